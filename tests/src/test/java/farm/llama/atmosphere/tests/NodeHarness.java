package farm.llama.atmosphere.tests;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.node.Node;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** A real node in this JVM, serving on a free loopback port, with the real discovery plugin jars. */
final class NodeHarness implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    final Node node;
    final URI base;
    final DataDir data;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    NodeHarness(Path dir, String configYaml) throws IOException {
        this(dir, configYaml, Path.of(System.getProperty("atmosphere.test.plugins", "target/plugins")));
    }

    NodeHarness(Path dir, String configYaml, Path plugins) throws IOException {
        data = new DataDir(dir.resolve("data"));
        if (!Files.exists(data.identityFile())) { // a second harness on the same dir is a restart
            NodeSetup.init(data, Optional.of("test-node"), false);
        }
        Files.writeString(data.configFile(), configYaml);
        node = Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.of(plugins));
        base = node.serve("127.0.0.1", 0);
    }

    static String config(FakeOllama ollama, FakeOpenAi openai, String extra) {
        StringBuilder sb = new StringBuilder("""
                discovery:
                  probe-default-ports: false
                  interval: PT60S
                routing:
                  queue-timeout: PT0.3S
                  timeout: PT5S
                """);
        sb.append(extra);
        sb.append("backends:\n");
        if (ollama != null) {
            sb.append("  - type: ollama\n    url: ").append(ollama.url()).append('\n');
        }
        if (openai != null) {
            sb.append("  - type: openai\n    url: ").append(openai.url()).append("/v1\n");
        }
        return sb.toString();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A POST that changes state, with the admin token as the CLI sends it. */
    HttpResponse<String> getAdmin(String path) throws IOException, InterruptedException {
        String token = Files.readString(data.adminTokenFile()).trim();
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postAdmin(String path, String body) throws IOException, InterruptedException {
        String token = Files.readString(data.adminTokenFile()).trim();
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<InputStream> postStream(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** @return a value of the node's API as the generic JSON object its HTTP form is (for tests that read fields by name) */
    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object value) {
        return farm.llama.atmosphere.runtime.util.Json.MAPPER.convertValue(value, Map.class);
    }

    static JsonNode json(String s) throws IOException {
        return FakeBackend.JSON.readTree(s);
    }

    /** Waits until a GET answers something that passes the check. */
    JsonNode await(String path, Predicate<JsonNode> done) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < end) {
            last = json(get(path).body());
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting on " + path + "; last answer: " + last);
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    @Override
    public void close() {
        node.close();
    }
}
