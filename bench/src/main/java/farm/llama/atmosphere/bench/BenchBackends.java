package farm.llama.atmosphere.bench;

import com.sun.net.httpserver.HttpServer;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.node.Node;
import java.io.BufferedReader;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;

/**
 * What the in-JVM benches share: an instant OpenAI-compatible test backend, a node in this JVM
 * whose one backend it is, and timed calls. (The proxy overhead bench that first used them is now
 * {@code bench/proxy.sh}: wrk against the image's process, beside nginx.)
 */
final class BenchBackends {

    private static final String JSON_REPLY = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello world\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}";

    private BenchBackends() {
    }

    /**
     * @param backend the test backend it routes to
     * @return a node in this JVM (its data dir a new temporary folder) whose one backend that is
     */
    static Node nodeFor(HttpServer backend) throws Exception {
        Path dir = Files.createTempDirectory("atmosphere-bench");
        DataDir data = new DataDir(dir);
        NodeSetup.init(data, Optional.of("bench"), false);
        Files.writeString(data.configFile(), "mesh:\n  mdns: false\ndiscovery:\n  probe-default-ports: false\n  max-concurrency: 64\nbackends:\n"
                + "  - type: openai\n    url: http://127.0.0.1:" + backend.getAddress().getPort() + "/v1\n");
        Path plugins = Path.of(System.getProperty("atmosphere.bench.plugins", "bench/target/plugins"));
        return Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.of(plugins));
    }

    static void row(String name, long[] d, long[] v) {
        double d50 = Bench.percentile(d, 50);
        double v50 = Bench.percentile(v, 50);
        double d99 = Bench.percentile(d, 99);
        double v99 = Bench.percentile(v, 99);
        System.out.printf("| %s | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %.3f ms |%n", name, d50, v50, v50 - d50, d99, v99, v99 - d99);
    }

    static long call(HttpClient http, URI base, String body) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        long t = System.nanoTime() - t0;
        if (r.statusCode() != 200) {
            throw new IllegalStateException(base + " answered " + r.statusCode() + ": " + r.body());
        }
        return t;
    }

    static long firstToken(HttpClient http, URI base, String body) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long first = -1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (first < 0 && line.contains("\"content\":\"hello")) {
                    first = System.nanoTime() - t0;
                }
            }
        }
        if (first < 0) {
            throw new IllegalStateException("no token from " + base);
        }
        return first;
    }

    /** An OpenAI-compatible backend that answers at once: JSON, or an SSE stream of two tokens. */
    static HttpServer backend() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/models", ex -> {
            byte[] b = "{\"object\":\"list\",\"data\":[{\"id\":\"m\",\"object\":\"model\",\"created\":1,\"owned_by\":\"bench\"}]}"
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        server.createContext("/v1/chat/completions", ex -> {
            String req = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (req.contains("\"stream\":true")) {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                try (OutputStream o = ex.getResponseBody()) {
                    String head = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,";
                    o.write((head + "\"delta\":{\"role\":\"assistant\",\"content\":\"hello\"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    o.flush();
                    o.write((head + "\"delta\":{\"content\":\" world\"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    o.write((head + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    o.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                }
            } else {
                byte[] b = JSON_REPLY.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, b.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(b);
                }
            }
        });
        server.start();
        return server;
    }
}
