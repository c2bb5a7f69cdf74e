package farm.llama.atmosphere.tests;

import static farm.llama.atmosphere.tests.NodeHarness.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same checks as against the test servers, against a real backend when its URL is given:
 * {@code OLLAMA_URL=http://127.0.0.1:11434} and/or {@code OPENAI_BASE_URL=http://127.0.0.1:8080/v1}
 * (with {@code OPENAI_API_KEY} if it needs one). Skipped when neither is set. The continuation of an
 * answer whose backend died runs against it too, through two {@link CuttingProxy}s.
 */
class RealBackendTest {

    @TempDir
    Path dir;

    @Test
    @EnabledIfEnvironmentVariable(named = "OLLAMA_URL", matches = "https?://.+")
    void realOllama() throws Exception {
        check("  - type: ollama\n    url: " + System.getenv("OLLAMA_URL") + "\n");
    }

    @Test
    @EnabledIfEnvironmentVariable(named = "OPENAI_BASE_URL", matches = "https?://.+")
    void realOpenAiCompatibleServer() throws Exception {
        String key = System.getenv("OPENAI_API_KEY");
        check("  - type: openai\n    url: " + System.getenv("OPENAI_BASE_URL") + "\n"
                + (key == null ? "" : "    api-key: " + key + "\n"));
    }

    @Test
    @EnabledIfEnvironmentVariable(named = "OLLAMA_URL", matches = "https?://.+")
    void realOllamaContinuesAnAnswerWhoseBackendDied() throws Exception {
        continues("ollama", java.net.URI.create(System.getenv("OLLAMA_URL")), "", "");
    }

    @Test
    @EnabledIfEnvironmentVariable(named = "OPENAI_BASE_URL", matches = "https?://.+")
    void realOpenAiCompatibleServerContinuesAnAnswerWhoseBackendDied() throws Exception {
        String base = System.getenv("OPENAI_BASE_URL").replaceAll("/+$", "").replaceAll("/v1$", "");
        String key = System.getenv("OPENAI_API_KEY");
        continues("openai", java.net.URI.create(base), "/v1", key == null ? "" : "    api-key: " + key + "\n");
    }

    /**
     * Two cutting proxies in front of the real backend: whichever serves first dies after 3 lines,
     * and the other carries the answer on against the real backend (or, for a server that cannot
     * continue, the stream ends with an error chunk as before).
     */
    void continues(String type, java.net.URI real, String suffix, String apiKeyLine) throws Exception {
        try (CuttingProxy one = new CuttingProxy(real, 3); CuttingProxy two = new CuttingProxy(real, 3)) {
            String config = "discovery:\n  probe-default-ports: false\n  interval: PT60S\nrouting:\n  timeout: PT120S\nbackends:\n"
                    + CuttingProxy.backends(type, java.util.List.of(one, two), suffix, apiKeyLine);
            try (NodeHarness node = new NodeHarness(dir, config)) {
                node.await("/api/v1/backends", b -> b.path("backends").size() == 2
                        && b.path("backends").findValuesAsText("state").stream().allMatch("up"::equals));
                JsonNode chat = null;
                for (JsonNode c : json(node.get("/api/v1/capabilities").body()).path("capabilities")) {
                    if (chat == null && !c.path("type").asText().equals("llm/embed")) {
                        chat = c;
                    }
                }
                if (chat == null) {
                    return; // no chat model to try
                }
                boolean canContinue = chat.path("metadata").has("continues");
                String body = "{\"model\":\"" + chat.path("name").asText() + "\",\"stream\":true,\"max_tokens\":64,\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"Count from one to twenty in words, separated by commas.\"}]}";
                String sse = new String(node.postStream("/v1/chat/completions", body).body().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(sse.trim().endsWith("data: [DONE]"), sse);
                assertEquals(1, one.cut.get() + two.cut.get(), "the first backend died mid-answer: " + sse);
                if (!sse.contains("\"error\"")) {
                    assertTrue(canContinue, sse);
                    assertEquals(1, one.continued.get() + two.continued.get(), "the other carried it on: " + sse);
                    assertTrue(sse.contains("\"continued\""), "the final chunk says so: " + sse);
                } else {
                    // a server that cannot continue, or an Ollama model whose template does not: the error as before, and never asked
                    assertTrue(!canContinue || chat.path("metadata").path("continues").asText().equals("template"), sse);
                    assertTrue(sse.contains("\"backend_failed\"") && sse.contains("carry on"), sse);
                    assertEquals(0, one.continued.get() + two.continued.get(), "a server that cannot continue is never asked to");
                }
            }
        }
    }

    private void check(String backend) throws Exception {
        String config = "discovery:\n  probe-default-ports: false\n  interval: PT60S\nrouting:\n  timeout: PT120S\nbackends:\n" + backend;
        try (NodeHarness node = new NodeHarness(dir, config)) {
            JsonNode backends = node.await("/api/v1/backends", b -> b.path("backends").size() == 1);
            assertEquals("up", backends.path("backends").get(0).path("state").asText(), backends.toString());
            JsonNode caps = json(node.get("/api/v1/capabilities").body()).path("capabilities");
            assertFalse(caps.isEmpty(), "the backend lists at least one model");
            String chatModel = null;
            String embedModel = null;
            for (JsonNode c : caps) {
                String type = c.path("type").asText();
                if (chatModel == null && !type.equals("llm/embed")) {
                    chatModel = c.path("name").asText();
                }
                if (embedModel == null && type.equals("llm/embed")) {
                    embedModel = c.path("name").asText();
                }
            }
            if (chatModel != null) {
                String body = "{\"model\":\"" + chatModel + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello.\"}]}";
                HttpResponse<String> r = node.post("/v1/chat/completions", body);
                assertEquals(200, r.statusCode(), r.body());
                assertFalse(json(r.body()).path("choices").get(0).path("message").path("content").asText().isBlank());
                var stream = node.postStream("/v1/chat/completions", body.replace("{\"model\"", "{\"stream\":true,\"model\""));
                int chunks = 0;
                boolean done = false;
                try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.equals("data: [DONE]")) {
                            done = true;
                        } else if (line.startsWith("data: ")) {
                            chunks++;
                            assertFalse(json(line.substring(6)).has("error"), line);
                        }
                    }
                }
                assertTrue(done && chunks > 0, "a streamed answer ending with [DONE]");
            }
            if (embedModel != null) {
                HttpResponse<String> e = node.post("/v1/embeddings", "{\"model\":\"" + embedModel + "\",\"input\":[\"a\",\"b\"]}");
                assertEquals(200, e.statusCode(), e.body());
                assertEquals(2, json(e.body()).path("data").size());
            }
        }
    }
}
