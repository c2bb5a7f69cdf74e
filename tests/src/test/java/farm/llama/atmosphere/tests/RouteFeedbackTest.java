package farm.llama.atmosphere.tests;

import static farm.llama.atmosphere.tests.NodeHarness.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.util.FileModes;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Owners teach the router: routing.examples in config, and route feedback that is kept across restarts. */
class RouteFeedbackTest {

    @TempDir
    Path dir;

    static final String INTENT = "the flux capacitor readings drift after midnight";

    private static JsonNode route(NodeHarness node, String intent) throws Exception {
        return json(node.post("/api/v1/route", "{\"intent\":\"" + intent + "\"}").body());
    }

    @Test
    void feedbackMakesTheIntentAnExampleOfTheRightTaskAndSurvivesARestart() throws Exception {
        try (FakeOllama ollama = new FakeOllama()) {
            String config = NodeHarness.config(ollama, null, "  examples:\n    code: [\"the gizmo wobbles sideways on tuesdays\"]\n");
            try (NodeHarness node = new NodeHarness(dir, config)) {
                node.await("/api/v1/capabilities", c -> c.path("capabilities").size() > 0);
                JsonNode configured = route(node, "the gizmo wobbles sideways on tuesdays");
                assertEquals("code", configured.path("tasks").path(0).path("task").asText(), "routing.examples teaches: " + configured);
                assertTrue(configured.path("tasks").path(0).path("examples").path(0).asText().endsWith("(taught)"), configured.toString());

                HttpResponse<String> bad = node.postAdmin("/api/v1/route/feedback", "{\"intent\":\"" + INTENT + "\",\"task\":\"poetry\"}");
                assertEquals(400, bad.statusCode(), bad.body());
                assertTrue(bad.body().contains("Unknown task 'poetry'") && bad.body().contains("reasoning"), bad.body());
                assertTrue(Files.notExists(node.data.path().resolve("route-examples.json")), "a refused feedback writes nothing");

                HttpResponse<String> ok = node.postAdmin("/api/v1/route/feedback", "{\"intent\":\"" + INTENT + "\",\"task\":\"llm/reasoning\"}");
                assertEquals(200, ok.statusCode(), ok.body());
                JsonNode f = json(ok.body());
                assertEquals("reasoning", f.path("task").asText(), "a type names the task it serves first");
                assertEquals(1, f.path("learned").asInt());
                assertEquals("reasoning", f.path("decision").path("tasks").path(0).path("task").asText(), f.toString());
                Path file = node.data.path().resolve("route-examples.json");
                FileModes.assertPrivate(file);
                JsonNode stored = json(Files.readString(file));
                assertEquals(1, stored.path("format").asInt());
                assertEquals(INTENT, stored.path("examples").path("reasoning").path(0).asText());
            }
            try (NodeHarness again = new NodeHarness(dir, config)) {
                again.await("/api/v1/capabilities", c -> c.path("capabilities").size() > 0);
                assertEquals("reasoning", route(again, INTENT).path("tasks").path(0).path("task").asText(), "kept across a restart");
            }
        }
    }
}
