package farm.llama.atmosphere.bench;

import com.sun.net.httpserver.HttpServer;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.api.TaskState;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.runtime.relay.RelayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a relay costs against a direct link: node A serves an instant test backend; node B reaches
 * it directly (WebSocket, mutual TLS), node C only through a relay (sealed end-to-end: X25519,
 * HKDF, AES-256-GCM, on top of the signed envelope). The same chat requests asked at B and at C,
 * interleaved; all in this JVM, on loopback, so the difference is the relay's processing and
 * the sealing, not distance.
 */
final class RelayBench {

    private RelayBench() {
    }

    /** @return how long pulling the bench file from a member took, ns; the copy is deleted after */
    private static long pull(Node at, String from, Path models) throws Exception {
        long t0 = System.nanoTime();
        at.modelPull("bench.gguf", from, java.util.Optional.empty());
        HopBench.await(() -> at.modelPullStatus().state() != TaskState.RUNNING, "the pull");
        long took = System.nanoTime() - t0;
        if (at.modelPullStatus().state() != TaskState.DONE) {
            throw new IllegalStateException("the pull failed: " + at.modelPullStatus());
        }
        Files.delete(models.resolve("bench.gguf"));
        return took;
    }

    static void run() throws Exception {
        HttpServer backend = BenchBackends.backend();
        Path dir = Files.createTempDirectory("atmosphere-relay-bench");
        Path shared = Files.createDirectories(dir.resolve("shared"));
        byte[] model = new byte[64 << 20];
        new java.util.Random(3).nextBytes(model);
        Files.write(shared.resolve("bench.gguf"), model);
        String backends = "backends:\n  - type: openai\n    url: http://127.0.0.1:" + backend.getAddress().getPort() + "/v1\n"
                + "models:\n  shared-dirs: [\"" + shared + "\"]\n";
        try (RelayServer relay = new RelayServer("127.0.0.1", 0)) {
            String relays = "  mdns: false\n  relays: [ws://127.0.0.1:" + relay.port() + "]\n";
            try (Node a = HopBench.node(dir, "a", relays + "  transports: [websocket, relay]\n" + backends
                    + "policy:\n  rate: 100000/s\n  concurrency: 64\n");
                 Node b = HopBench.node(dir, "b", "  mdns: false\nmodels:\n  dir: \"" + dir.resolve("b-models") + "\"\n");
                 Node c = HopBench.node(dir, "c", relays + "  transports: [relay]\nmodels:\n  dir: \"" + dir.resolve("c-models") + "\"\n")) {
                a.serve("127.0.0.1", 0);
                URI viaB = b.serve("127.0.0.1", 0);
                URI viaC = c.serve("127.0.0.1", 0);
                a.scan();
                a.meshCreate("bench");
                HopBench.await(() -> a.mesh().running().orElse(false), "A's mesh");
                for (Node n : new Node[] {b, c}) {
                    n.meshJoin(a.meshInvite(Duration.ofMinutes(5), 1).token());
                    HopBench.await(() -> n.meshJoinStatus().state() == JoinStatus.State.JOINED, "joined");
                }
                String aId = a.status().nodeId();
                for (Node n : new Node[] {b, c}) {
                    HopBench.await(() -> n.meshMembers().stream().anyMatch(m -> aId.equals(m.nodeId())
                            && "alive".equals(m.state()) && m.capabilityCount() > 0), "A's capabilities");
                }
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                BenchBackends.call(http, viaB, body); // opens the links whose transports are checked next
                BenchBackends.call(http, viaC, body);
                // B learned the relay from its invite and runs the relay transport too, but reaches A directly
                for (Object[] expect : new Object[][] {{b, "websocket"}, {c, "relay"}}) {
                    String transport = ((Node) expect[0]).meshMembers().stream().filter(m -> aId.equals(m.nodeId()))
                            .map(m -> m.transport()).findFirst().orElse("?");
                    if (!transport.equals(expect[1])) {
                        throw new IllegalStateException("A is reached over '" + transport + "', expected " + expect[1]);
                    }
                }
                HopBench.compare(viaB, viaC, "A hop through a relay against a direct hop", "direct hop", "relay hop");
                // a 64 MiB model file pulled from A, directly and through the relay, interleaved
                int trials = 3;
                long[] directPull = new long[trials];
                long[] relayPull = new long[trials];
                for (int t = 0; t < trials; t++) {
                    directPull[t] = pull(b, aId, dir.resolve("b-models"));
                    relayPull[t] = pull(c, aId, dir.resolve("c-models"));
                }
                System.out.println();
                System.out.printf("| model file, 64 MiB, `model pull` (median of %d) | direct %.0f MiB/s | relay %.0f MiB/s | %.2fx the time |%n",
                        trials, 64 / (Bench.percentile(directPull, 50) / 1000), 64 / (Bench.percentile(relayPull, 50) / 1000),
                        Bench.percentile(relayPull, 50) / Bench.percentile(directPull, 50));
                System.out.println();
                System.out.println("relay: " + relay.stats());
            }
        } finally {
            backend.stop(0);
        }
    }
}
