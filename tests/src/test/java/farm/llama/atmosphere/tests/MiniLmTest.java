package farm.llama.atmosphere.tests;

import static farm.llama.atmosphere.tests.NodeHarness.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional MiniLM embedder plugin, dropped into a plugin folder as its zip. */
class MiniLmTest {

    @TempDir
    Path dir;

    private Path pluginsWithMiniLm() throws Exception {
        return pluginsWithMiniLm(dir);
    }

    /**
     * @param dir a temporary folder
     * @return a plugin folder with the test plugins and the MiniLM zip, as the image has them
     */
    static Path pluginsWithMiniLm(Path dir) throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (var jars = Files.list(Path.of(System.getProperty("atmosphere.test.plugins")))) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, plugins.resolve(jar.getFileName()));
            }
        }
        Path zip = Path.of(System.getProperty("atmosphere.test.minilm"));
        Files.copy(zip, plugins.resolve("embedder-minilm.zip"));
        return plugins;
    }

    @Test
    void droppedInItServesEmbeddingsAndSurvivesAPluginReload() throws Exception {
        Path plugins = pluginsWithMiniLm();
        System.setProperty("atmosphere.test.plugins.override", plugins.toString());
        try (NodeHarness node = new NodeHarness(dir, "discovery:\n  probe-default-ports: false\n", plugins)) {
            JsonNode first = json(node.post("/v1/embeddings", "{\"input\":[\"cat\",\"kitten\",\"quarterly revenue\"]}").body());
            assertEquals("minilm-l6-v2-q", first.path("model").asText(), first.toString());
            assertEquals(384, first.path("data").get(0).path("embedding").size());
            double catKitten = dot(first, 0, 1);
            double catRevenue = dot(first, 0, 2);
            assertTrue(catKitten > catRevenue + 0.3, catKitten + " vs " + catRevenue);
            String token = Files.readString(dir.resolve("data/admin.token")).trim();
            HttpResponse<String> reload = node.http.send(HttpRequest.newBuilder(node.base.resolve("/api/v1/plugins/embedder-minilm/reload"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, reload.statusCode(), reload.body());
            JsonNode again = json(node.post("/v1/embeddings", "{\"input\":[\"cat\",\"kitten\",\"quarterly revenue\"]}").body());
            assertEquals("minilm-l6-v2-q", again.path("model").asText());
            assertEquals(catKitten, dot(again, 0, 1), 1e-6, "same vectors after the reload");
        }
    }

    private static double dot(JsonNode r, int a, int b) {
        JsonNode x = r.path("data").get(a).path("embedding");
        JsonNode y = r.path("data").get(b).path("embedding");
        double d = 0;
        for (int i = 0; i < x.size(); i++) {
            d += x.get(i).asDouble() * y.get(i).asDouble();
        }
        return d;
    }

    @Test
    void routingQualityWithMiniLmReachesItsFloor() throws Exception {
        Path plugins = pluginsWithMiniLm();
        double accuracy = RoutingQualityTest.measure(dir, plugins, "minilm-l6-v2-q");
        assertTrue(accuracy >= 0.85, "MiniLM top-1 " + accuracy + " below 0.85");
    }
}
