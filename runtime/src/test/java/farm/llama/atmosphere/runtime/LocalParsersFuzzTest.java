package farm.llama.atmosphere.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.runtime.util.Fuzz;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parsers of what the owner writes and of what local clients send, fuzzed: configuration YAML,
 * agent specs, and JSON bodies of the HTTP API (through a serving node: every answer is a 2xx or a
 * 4xx with an error, never a 5xx, and the node keeps serving).
 */
class LocalParsersFuzzTest {

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void configurationYaml() throws Exception {
        Path file = dir.resolve("config.yaml");
        String valid = """
                api:
                  port: 11451
                  allowed-hosts: [box.lan]
                discovery:
                  probe-default-ports: false
                  interval: PT60S
                backends:
                  - type: ollama
                    url: http://127.0.0.1:11434
                mesh:
                  port: 11452
                  relays: [ws://relay.lan:8765]
                routing:
                  timeout: PT30S
                """;
        Fuzz.run("config.yaml", List.of(utf8(valid), utf8("mesh:\n  probe:\n    interval: PT0.2S\n")), Set.of(ConfigException.class), 8 << 20, b -> {
            Files.write(file, b);
            NodeConfig.load(file, Map.of());
        });
    }

    @Test
    void jsonBodiesOfTheHttpApi() throws Exception {
        DataDir data = new DataDir(dir.resolve("data"));
        NodeSetup.init(data, Optional.of("fuzz"), false);
        Files.writeString(data.configFile(), "discovery:\n  probe-default-ports: false\n  interval: PT60S\n");
        String token = Files.readString(data.adminTokenFile()).trim();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (Node node = Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.empty())) {
            URI base = node.serve("127.0.0.1", 0);
            Map<String, String> bodies = Map.of(
                    "/v1/chat/completions", "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Write a Python function\"}],\"stream\":false}",
                    "/api/v1/route", "{\"intent\":\"summarise this text\",\"model\":\"auto\"}",
                    "/api/v1/tools/echo/run", "{\"message\":\"hi\",\"n\":[1,2,{\"x\":null}]}",
                    "/api/v1/mesh/revoke", "{\"nodeId\":\"0123456789abcdef\",\"confirm\":false}");
            int[] served = {0};
            for (Map.Entry<String, String> e : bodies.entrySet()) {
                Fuzz.run("POST " + e.getKey(), List.of(utf8(e.getValue())), Set.of(), 64 << 20, b -> {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(e.getKey())).header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(b)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() >= 500 && r.statusCode() != 502 && r.statusCode() != 503) {
                        throw new AtmosphereException("answered " + r.statusCode() + ": " + r.body());
                    }
                    served[0]++;
                });
            }
            assertTrue(served[0] > 0);
            assertEquals(200, http.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                    "still serving");
        }
    }
}
