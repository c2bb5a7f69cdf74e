package farm.llama.atmosphere.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.node.Node;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * From a backend's death mid-answer to the first continued token: a streamed answer of 20 tokens
 * whose backend drops the connection after 5, continued by another backend, locally (two backends
 * of one node) and one hop away (a node without backends asks two members, one backend each).
 * Measured at the client as the gap between the last token before the death and the first after
 * it, beside the gap between two ordinary tokens and a fresh request's time to first token (the
 * least a client that retries would wait, before generating the prefix again). The test backends
 * answer at once, so the figures are the node's own cost.
 */
final class ContinueBench {

    private static final int TOKENS = 20;
    private static final int DIES_AFTER = 5;

    private ContinueBench() {
    }

    /** An OpenAI-compatible server (as llama.cpp's) that drops each fresh answer after {@link #DIES_AFTER} tokens and continues any other. */
    static HttpServer dying() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/models", ex -> send(ex, "{\"object\":\"list\",\"data\":[{\"id\":\"m\",\"object\":\"model\",\"created\":1,\"owned_by\":\"llamacpp\"}]}"));
        server.createContext("/v1/chat/completions", ex -> {
            try (ex) {
                String req = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                int from = 0;
                int at = req.indexOf("\"role\":\"assistant\",\"content\":\"");
                if (at >= 0) { // a continuation: the words so far are "t0 t1 … "
                    String prefix = req.substring(at + 30, req.indexOf('"', at + 30));
                    from = prefix.isEmpty() ? 0 : prefix.split(" ").length;
                }
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                OutputStream o = ex.getResponseBody();
                String head = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,";
                o.write((head + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8));
                o.flush();
                for (int i = from; i < TOKENS; i++) {
                    if (from == 0 && i == DIES_AFTER) {
                        throw new IOException("dies mid-answer");
                    }
                    o.write((head + "\"delta\":{\"content\":\"t" + i + " \"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    o.flush();
                }
                o.write((head + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n").getBytes(StandardCharsets.UTF_8));
                o.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                o.flush();
            } catch (IOException e) {
                // dropped on purpose
            }
        });
        server.start();
        return server;
    }

    private static void send(HttpExchange ex, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    /** @return the arrival time of each token of one streamed answer, from the request's start */
    static long[] tokens(HttpClient http, URI node) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(node.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long[] at = new long[TOKENS];
        int n = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.contains("\"error\"")) {
                    throw new IllegalStateException("the stream failed: " + line);
                }
                if (line.contains("\"content\":\"t")) {
                    at[n++] = System.nanoTime() - t0;
                }
            }
        }
        if (n != TOKENS) {
            throw new IllegalStateException(n + " tokens of " + TOKENS);
        }
        return at;
    }

    static void run() throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 500);
        List<HttpServer> servers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            servers.add(dying());
        }
        Path dir = Files.createTempDirectory("atmosphere-continue-bench");
        String members = "policy:\n  rate: 100000/s\n  concurrency: 64\n";
        try (Node local = HopBench.node(dir, "local", backends(servers.get(0), servers.get(1)));
             Node a = HopBench.node(dir, "a", backends(servers.get(2)) + members);
             Node b = HopBench.node(dir, "b", backends(servers.get(3)) + members);
             Node c = HopBench.node(dir, "c", "")) {
            URI viaLocal = local.serve("127.0.0.1", 0);
            URI viaC = c.serve("127.0.0.1", 0);
            a.serve("127.0.0.1", 0); // a node runs its mesh while it serves
            b.serve("127.0.0.1", 0);
            local.scan();
            a.scan();
            b.scan();
            a.meshCreate("bench");
            HopBench.await(() -> a.mesh().running().orElse(false), "A's mesh");
            for (Node joiner : List.of(b, c)) {
                joiner.meshJoin(a.meshInvite(Duration.ofMinutes(5), 1).token());
                HopBench.await(() -> joiner.meshJoinStatus().state() == JoinStatus.State.JOINED, "joined");
            }
            String aId = a.status().nodeId();
            String bId = b.status().nodeId();
            HopBench.await(() -> c.meshMembers().stream().filter(m -> (aId.equals(m.nodeId()) || bId.equals(m.nodeId()))
                    && m.capabilityCount() > 0).count() == 2, "A's and B's models at C");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            long[][] join = new long[2][rounds];
            long[][] gap = new long[2][rounds];
            long[][] first = new long[2][rounds];
            for (int round = 0; round < 2; round++) { // the first round warms up
                for (int i = 0; i < rounds; i++) {
                    URI[] at = {viaLocal, viaC};
                    for (int w = 0; w < 2; w++) {
                        long[] t = tokens(http, at[w]);
                        join[w][i] = t[DIES_AFTER] - t[DIES_AFTER - 1];
                        gap[w][i] = t[DIES_AFTER + 5] - t[DIES_AFTER + 4];
                        first[w][i] = t[0];
                    }
                }
            }
            System.out.println();
            System.out.println("## Continuing an answer whose backend died (" + rounds + " streamed answers of " + TOKENS
                    + " tokens each, the backend dies after " + DIES_AFTER + "; instant test backends, loopback)");
            System.out.println();
            System.out.println("| where the answer continues | death → first continued token p50 | p99 | between two tokens p50 | fresh request's first token p50 |");
            System.out.println("|---|---|---|---|---|");
            String[] names = {"locally (another backend of the node)", "one hop away (the asking node has no backend; another member continues)"};
            for (int w = 0; w < 2; w++) {
                System.out.printf("| %s | %.3f ms | %.3f ms | %.3f ms | %.3f ms |%n", names[w], Bench.percentile(join[w], 50),
                        Bench.percentile(join[w], 99), Bench.percentile(gap[w], 50), Bench.percentile(first[w], 50));
            }
        } finally {
            servers.forEach(s -> s.stop(0));
        }
    }

    private static String backends(HttpServer... servers) {
        StringBuilder sb = new StringBuilder("backends:\n");
        for (HttpServer s : servers) {
            sb.append("  - type: openai\n    url: http://127.0.0.1:").append(s.getAddress().getPort()).append("/v1\n");
        }
        return sb.toString();
    }
}
