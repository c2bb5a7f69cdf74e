package farm.llama.atmosphere.bench;

import com.sun.net.httpserver.HttpServer;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.node.Node;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What one hop across the mesh adds: the same chat requests served by a node's own backend, and
 * asked at a second node (no backends) that forwards them to the first over the WebSocket transport
 * (mutual TLS, signed envelopes, loopback). Both nodes run in this JVM; requests interleave.
 */
final class HopBench {

    private HopBench() {
    }

    static Node node(Path dir, String name, String extra) throws Exception {
        DataDir data = new DataDir(dir.resolve(name));
        NodeSetup.init(data, Optional.of(name), false);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(data.configFile(), "discovery:\n  probe-default-ports: false\n  max-concurrency: 64\n"
                + "mesh:\n  bind: 127.0.0.1\n  port: " + port + "\n" + extra);
        Path plugins = Path.of(System.getProperty("atmosphere.bench.plugins", "bench/target/plugins"));
        return Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.of(plugins));
    }

    static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out: " + what);
            }
            Thread.sleep(20);
        }
    }

    /**
     * The same chat requests asked at two nodes, interleaved (2,000 warm-up rounds, then 2,000
     * each), printed as a table: non-streaming time and streaming time to first token.
     *
     * @param first the baseline node
     * @param second the node measured against it
     * @param heading the table's heading
     * @param firstName what the first column is, @param secondName what the second is
     * @throws Exception if a request fails
     */
    static void compare(URI first, URI second, String heading, String firstName, String secondName) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String stream = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        int n = 2_000;
        long[][] t = new long[4][n];
        for (int round = 0; round < 2; round++) { // the first round warms up, the second is measured
            for (int i = 0; i < n; i++) {
                t[0][i] = BenchBackends.call(http, first, body);
                t[1][i] = BenchBackends.call(http, second, body);
                t[2][i] = BenchBackends.firstToken(http, first, stream);
                t[3][i] = BenchBackends.firstToken(http, second, stream);
            }
        }
        System.out.println();
        System.out.println("## " + heading + " (instant test backend, loopback, " + n + " interleaved requests each)");
        System.out.println();
        System.out.println("| request | " + firstName + " p50 | " + secondName + " p50 | added p50 | " + firstName + " p99 | " + secondName
                + " p99 | added p99 |");
        System.out.println("|---|---|---|---|---|---|---|");
        BenchBackends.row("chat, non-streaming", t[0], t[1]);
        BenchBackends.row("chat, streaming: time to first token", t[2], t[3]);
    }

    static void run() throws Exception {
        HttpServer backend = BenchBackends.backend();
        Path dir = Files.createTempDirectory("atmosphere-hop-bench");
        String backends = "backends:\n  - type: openai\n    url: http://127.0.0.1:" + backend.getAddress().getPort() + "/v1\n";
        try (Node a = node(dir, "a", backends + "policy:\n  rate: 100000/s\n  concurrency: 64\n"); Node b = node(dir, "b", "")) {
            URI viaA = a.serve("127.0.0.1", 0);
            URI viaB = b.serve("127.0.0.1", 0);
            a.scan();
            a.meshCreate("bench");
            await(() -> a.mesh().running().orElse(false), "A's mesh");
            b.meshJoin(a.meshInvite(Duration.ofMinutes(5), 1).token());
            await(() -> b.meshJoinStatus().state() == JoinStatus.State.JOINED, "B joined");
            String aId = a.status().nodeId();
            await(() -> b.meshMembers().stream().anyMatch(m -> aId.equals(m.nodeId())
                    && m.capabilityCount() > 0), "A's capabilities at B");
            compare(viaA, viaB, "One hop across the mesh", "served locally", "one hop away");
        } finally {
            backend.stop(0);
        }
    }
}
