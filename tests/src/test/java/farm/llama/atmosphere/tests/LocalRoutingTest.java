package farm.llama.atmosphere.tests;

import static farm.llama.atmosphere.tests.NodeHarness.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One node on one machine: discovery, routing by meaning, the OpenAI API, failover and bad input. */
class LocalRoutingTest {

    @TempDir
    Path dir;

    FakeOllama ollama;
    FakeOpenAi openai;
    NodeHarness node;

    @BeforeEach
    void start() throws Exception {
        ollama = new FakeOllama();
        openai = new FakeOpenAi();
    }

    private void startNode(String extra) throws Exception {
        node = new NodeHarness(dir, NodeHarness.config(ollama, openai, extra));
        node.await("/api/v1/backends", b -> b.path("backends").size() == 2
                && b.path("backends").findValuesAsText("state").stream().allMatch("up"::equals));
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        ollama.close();
        openai.close();
    }

    private static String chat(String model, String text, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"temperature\":0.2,\"max_tokens\":64,\"stop\":[\"\\n\\n\"],"
                + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    private static List<String> sse(InputStream in) throws Exception {
        List<String> data = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                }
            }
        }
        return data;
    }

    @Test
    void backendsAndTheirModelsAreFoundAndTyped() throws Exception {
        startNode("");
        JsonNode caps = json(node.get("/api/v1/capabilities").body()).path("capabilities");
        Map<String, String> types = new HashMap<>();
        caps.forEach(c -> types.put(c.path("name").asText(), c.path("type").asText()));
        assertEquals("llm/code", types.get("qwen2.5-coder:7b"));
        assertEquals("vision/chat", types.get("llava:13b"));
        assertEquals("llm/embed", types.get("nomic-embed-text:latest"));
        assertEquals("llm/chat", types.get("llama3.2:latest"));
        assertEquals("llm/chat", types.get("llama3.2"));
        assertEquals("llm/embed", types.get("text-embedding-3-small"));
        for (JsonNode c : caps) {
            if (c.path("name").asText().equals("llama3.2:latest")) {
                assertTrue(c.path("tags").toString().contains("warm"), "loaded in /api/ps means warm");
            }
        }
        JsonNode models = json(node.get("/v1/models").body());
        List<String> ids = models.path("data").findValuesAsText("id");
        assertEquals("auto", ids.get(0));
        assertEquals(1, ids.stream().filter("llama3.2"::equals).count(), "each model once: " + ids);
        JsonNode llama = models.path("data").get(ids.indexOf("llama3.2"));
        assertEquals(2, llama.path("atmosphere").path("backends").size(), "served by both backends");
        // an OpenAI client retrieves each listed model by its id (auto and the node's embedder too), and a name with Ollama's tag
        for (String id : ids) {
            HttpResponse<String> one = node.get("/v1/models/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(200, one.statusCode(), id + ": " + one.body());
            assertEquals(id, json(one.body()).path("id").asText());
        }
        assertEquals("llama3.2", json(node.get("/v1/models/llama3.2:latest").body()).path("id").asText());
        assertEquals(404, node.get("/v1/models/no-such-model").statusCode());
        JsonNode backends = json(node.get("/api/v1/backends").body()).path("backends");
        assertTrue(backends.get(0).path("latencyMs").asDouble() >= 0);
    }

    @Test
    void autoRoutesByMeaningAndExplainsTheRoute() throws Exception {
        startNode("");
        HttpResponse<String> r = node.post("/v1/chat/completions",
                chat("auto", "My Python script throws a KeyError in a dict comprehension, fix it", false));
        assertEquals(200, r.statusCode(), r.body());
        String route = r.headers().firstValue("x-atmosphere-route").orElseThrow();
        assertTrue(route.endsWith("/qwen2.5-coder:7b"), route);
        assertEquals(node.node.identity().nodeId(), r.headers().firstValue("x-atmosphere-node").orElseThrow());
        double score = Double.parseDouble(r.headers().firstValue("x-atmosphere-score").orElseThrow());
        assertTrue(score > 0 && score <= 1, "score " + score);
        JsonNode body = json(r.body());
        assertEquals("chat.completion", body.path("object").asText());
        assertEquals(String.join("", FakeBackend.REPLY), body.path("choices").get(0).path("message").path("content").asText());
        assertEquals("stop", body.path("choices").get(0).path("finish_reason").asText());
        assertEquals(26 + FakeBackend.REPLY.size(), body.path("usage").path("total_tokens").asInt());
        JsonNode sent = ollama.chatBodies.get(0);
        assertEquals("qwen2.5-coder:7b", sent.path("model").asText());
        assertEquals(0.2, sent.path("options").path("temperature").asDouble());
        assertEquals(64, sent.path("options").path("num_predict").asInt());
        assertEquals("\n\n", sent.path("options").path("stop").get(0).asText());

        JsonNode decision = json(node.post("/api/v1/route", "{\"intent\":\"what is in this photo of my garden\",\"vision\":true}").body());
        assertTrue(decision.path("winner").path("capability").path("name").asText().startsWith("llava"), decision.toString());
        JsonNode terms = decision.path("winner").path("costTerms");
        for (String t : List.of("power", "cpu", "memory", "latency", "load", "cold", "price")) {
            assertTrue(terms.has(t), "cost term " + t + " in " + terms);
        }
        JsonNode math = json(node.post("/api/v1/route", "{\"intent\":\"Translate this email to French for my landlord\"}").body());
        assertTrue(math.path("runnersUp").isArray());
        assertTrue(math.path("reason").asText().length() > 10);
    }

    @Test
    void withoutARouterPluginNamedModelsStillAnswerAndAutoSaysHowToGetItBack() throws Exception {
        startNode("");
        node.node.disablePlugin("router-semantic");
        HttpResponse<String> auto = node.post("/v1/chat/completions", chat("auto", "Fix my Python script", false));
        assertEquals(503, auto.statusCode(), auto.body());
        assertTrue(auto.body().contains("router-semantic") && auto.body().contains("plugin enable"), auto.body());
        HttpResponse<String> named = node.post("/v1/chat/completions", chat("llama3.2", "Hello", false));
        assertEquals(200, named.statusCode(), named.body());
        assertTrue(named.headers().firstValue("x-atmosphere-route").orElseThrow().contains("llama3.2"), named.headers().map().toString());
        JsonNode models = json(node.get("/v1/models").body());
        assertTrue(models.path("data").findValuesAsText("id").stream().noneMatch(id -> id.equals("auto") || id.equals("lexical-v1")),
                "neither auto nor the lexical embedder is offered without the plugin: " + models);

        node.node.enablePlugin("router-semantic");
        HttpResponse<String> back = node.post("/v1/chat/completions", chat("auto", "My Python script throws a KeyError, fix it", false));
        assertEquals(200, back.statusCode(), back.body());
        assertTrue(back.headers().firstValue("x-atmosphere-route").orElseThrow().endsWith("/qwen2.5-coder:7b"));
    }

    @Test
    void aRouterOrEmbedderConfigNamesThatIsMissingGivesWayToTheOneInstalled() throws Exception {
        startNode("  router: nope\n  embedder: nope\n"); // continues the harness's routing: section
        HttpResponse<String> r = node.post("/v1/chat/completions", chat("auto", "My Python script throws a KeyError, fix it", false));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("x-atmosphere-route").orElseThrow().endsWith("/qwen2.5-coder:7b"));
        assertTrue(json(node.get("/v1/models").body()).path("data").findValuesAsText("id").contains("lexical-v1"));
    }

    @Test
    void streamingPassesChunksThroughAndEndsWithDone() throws Exception {
        startNode("");
        HttpResponse<InputStream> r = node.postStream("/v1/chat/completions", chat("llama3.2", "Why is the sky blue?", true));
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.headers().firstValue("x-atmosphere-route").orElse("").contains("llama3.2"));
        List<String> data = sse(r.body());
        assertEquals("[DONE]", data.get(data.size() - 1));
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode c = json(d);
            assertEquals("chat.completion.chunk", c.path("object").asText());
            for (JsonNode ch : c.path("choices")) {
                text.append(ch.path("delta").path("content").asText(""));
                if (ch.hasNonNull("finish_reason")) {
                    finish = ch.get("finish_reason").asText();
                }
            }
        }
        assertEquals(String.join("", FakeBackend.REPLY), text.toString());
        assertEquals("stop", finish);
    }

    @Test
    void imagesGoToAVisionModelInline() throws Exception {
        startNode("");
        String req = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}}]}]}";
        HttpResponse<String> r = node.post("/v1/chat/completions", req);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("x-atmosphere-route").orElseThrow().endsWith("/llava:13b"));
        JsonNode sent = ollama.chatBodies.get(0).path("messages").get(0);
        assertEquals("iVBORw0KGgo=", sent.path("images").get(0).asText());
        assertEquals("What is this?", sent.path("content").asText());
    }

    @Test
    void toolCallsComeBackInOpenAiShape() throws Exception {
        startNode("");
        String req = "{\"model\":\"qwen2.5-coder:7b\",\"messages\":[{\"role\":\"user\",\"content\":\"weather in Paris?\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_current_weather\",\"parameters\":{\"type\":\"object\"}}}]}";
        JsonNode body = json(node.post("/v1/chat/completions", req).body());
        JsonNode choice = body.path("choices").get(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText());
        JsonNode call = choice.path("message").path("tool_calls").get(0);
        assertEquals("get_current_weather", call.path("function").path("name").asText());
        assertEquals("Paris, FR", json(call.path("function").path("arguments").asText()).path("location").asText());
        assertTrue(ollama.chatBodies.get(0).has("tools"), "tools are passed through");
    }

    @Test
    void requestsWithToolsGoToModelsThatCallTools() throws Exception {
        startNode("");
        String req = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"describe what is shown in this photo\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":{\"type\":\"object\"}}}]}";
        HttpResponse<String> r = node.post("/v1/chat/completions", req);
        assertEquals(200, r.statusCode(), r.body());
        String route = r.headers().firstValue("x-atmosphere-route").orElseThrow();
        assertFalse(route.contains("llava"), "llava does not call tools: " + route);
        assertFalse(node.post("/v1/chat/completions", "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"describe what is shown in this photo\"}]}").headers().firstValue("x-atmosphere-route").orElseThrow().contains("llava"),
                "a text-only request never goes to a vision model while a text model can take it");
        HttpResponse<String> plain = node.post("/v1/chat/completions", "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"describe what is shown in this photo\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}}]}]}");
        assertTrue(plain.headers().firstValue("x-atmosphere-route").orElseThrow().contains("llava"),
                "with the photo and without tools it goes to the vision model: " + plain.headers().map());
    }

    @Test
    void embeddingsAsFloatAndBase64FromABackendOrTheNodesOwnEmbedder() throws Exception {
        startNode("");
        HttpResponse<String> f = node.post("/v1/embeddings", "{\"model\":\"nomic-embed-text\",\"input\":[\"a\",\"b\"]}");
        assertEquals(200, f.statusCode(), f.body());
        JsonNode floats = json(f.body());
        assertEquals(2, floats.path("data").size());
        assertEquals(1.5f, (float) floats.path("data").get(1).path("embedding").get(4).asDouble());
        HttpResponse<String> b = node.post("/v1/embeddings", "{\"model\":\"nomic-embed-text\",\"input\":\"a\",\"encoding_format\":\"base64\"}");
        byte[] raw = Base64.getDecoder().decode(json(b.body()).path("data").get(0).path("embedding").asText());
        float[] decoded = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(decoded);
        assertEquals(5, decoded.length);
        assertEquals(0.010071029f, decoded[0]);
        JsonNode local = json(node.post("/v1/embeddings", "{\"model\":\"lexical-v1\",\"input\":\"hello world\"}").body());
        assertEquals(1024, local.path("data").get(0).path("embedding").size());
        assertEquals("lexical-v1", local.path("model").asText());
    }

    @Test
    void failoverWhenTheChosenBackendDiesBeforeTheFirstByte() throws Exception {
        startNode("");
        HttpResponse<String> first = node.post("/v1/chat/completions", chat("llama3.2", "hello", false));
        String winner = first.headers().firstValue("x-atmosphere-route").orElseThrow();
        boolean ollamaWon = winner.contains("ollama@");
        (ollamaWon ? ollama : openai).kill();
        HttpResponse<String> second = node.post("/v1/chat/completions", chat("llama3.2", "hello again", false));
        assertEquals(200, second.statusCode(), second.body());
        assertEquals(winner, second.headers().firstValue("x-atmosphere-failover").orElseThrow());
        assertFalse(second.headers().firstValue("x-atmosphere-route").orElseThrow().equals(winner));
        JsonNode backends = json(node.get("/api/v1/backends").body()).path("backends");
        boolean markedDown = false;
        for (JsonNode b : backends) {
            if (winner.contains(b.path("id").asText())) {
                markedDown = b.path("state").asText().equals("down") && b.path("lastError").asText().contains("refused");
            }
        }
        assertTrue(markedDown, "a refused connection marks the backend down at once: " + backends);
    }

    @Test
    void aStalledBackendIsSkippedAfterTheFirstByteTimeout() throws Exception {
        startNode("");
        String winner = node.post("/v1/chat/completions", chat("llama3.2", "hi", false)).headers().firstValue("x-atmosphere-route").orElseThrow();
        (winner.contains("ollama@") ? ollama : openai).firstByteDelayMs = 10_000;
        HttpResponse<String> r = node.post("/v1/chat/completions", chat("llama3.2", "hi", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(winner, r.headers().firstValue("x-atmosphere-failover").orElseThrow());
    }

    @Test
    void aFailureMidStreamEndsWithAnErrorChunkNotASilentTruncation() throws Exception {
        startNode("");
        ollama.dropAfterChunks = 3;
        HttpResponse<InputStream> r = node.postStream("/v1/chat/completions", chat("qwen2.5-coder:7b", "write code", true));
        List<String> data = sse(r.body());
        assertEquals("[DONE]", data.get(data.size() - 1));
        JsonNode error = json(data.get(data.size() - 2));
        assertTrue(error.has("error"), data.toString());
        assertEquals("backend_failed", error.path("error").path("code").asText());
        HttpResponse<String> plain = node.post("/v1/chat/completions", chat("qwen2.5-coder:7b", "write code", false));
        assertEquals(502, plain.statusCode(), plain.body());
    }

    @Test
    void anOpenAiBackendGetsTheClientsFieldsWithItsModelAndAStreamWithUsage() throws Exception {
        openai.models = List.of("mistral-nemo"); // served by the OpenAI-compatible backend alone
        startNode("");
        String request = "{\"model\":\"mistral-nemo\",\"stream\":false,\"stream_options\":{\"include_usage\":false},"
                + "\"temperature\":0.3,\"stop\":[\"\\n\\n\"],\"user\":\"ü-1\",\"messages\":[{\"role\":\"user\",\"content\":\"Grüße \\\"quoted\\\"\"}]}";
        HttpResponse<String> r = node.post("/v1/chat/completions", request);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(String.join("", FakeBackend.REPLY), json(r.body()).path("choices").get(0).path("message").path("content").asText());
        JsonNode sent = openai.chatBodies.get(openai.chatBodies.size() - 1);
        assertEquals("mistral-nemo", sent.path("model").asText());
        assertTrue(sent.path("stream").asBoolean(), "the node reads every answer as a stream: " + sent);
        assertTrue(sent.path("stream_options").path("include_usage").asBoolean(), sent.toString());
        assertEquals(0.3, sent.path("temperature").asDouble());
        assertEquals("\n\n", sent.path("stop").get(0).asText());
        assertEquals("ü-1", sent.path("user").asText());
        assertEquals("Grüße \"quoted\"", sent.path("messages").get(0).path("content").asText());
        // and the next request is served as well (over the connection the first one gave back)
        assertEquals(200, node.post("/v1/chat/completions", request).statusCode());
    }

    @Test
    void aStreamedWordReachesTheClientBeforeTheBackendSendsTheNextOne() throws Exception {
        openai.models = List.of("mistral-nemo"); // an SSE backend: each event ends with a blank line
        openai.afterFirstWord = new CountDownLatch(1);
        startNode("");
        try {
            HttpResponse<InputStream> r = node.postStream("/v1/chat/completions", chat("mistral-nemo", "Why is the sky blue?", true));
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            // the backend sends no second word until the client has the first: a node that held it would hang here
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.contains("\"content\":\"" + FakeBackend.REPLY.get(0) + "\"")) {
                            return line;
                        }
                    }
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(30, TimeUnit.SECONDS);
            assertTrue(first != null, "the first word arrived");
            openai.afterFirstWord.countDown();
            String line;
            String last = null;
            while ((line = in.readLine()) != null) {
                last = line.startsWith("data: ") ? line.substring(6) : last;
            }
            assertEquals("[DONE]", last);
        } finally {
            openai.afterFirstWord.countDown();
        }
    }

    @Test
    void aClientThatDisconnectsCancelsTheGenerationAtTheBackend() throws Exception {
        startNode("");
        ollama.chunkDelayMs = 300;
        HttpResponse<InputStream> r = node.postStream("/v1/chat/completions", chat("qwen2.5-coder:7b", "write code", true));
        InputStream in = r.body();
        byte[] first = new byte[32];
        assertTrue(in.read(first) > 0);
        in.close();
        NodeHarness.awaitTrue(() -> ollama.cancelledStreams.get() > 0, "the backend to see the client go away");
    }

    @Test
    void badInputGetsOpenAiErrorsAndTheNodeKeepsServing() throws Exception {
        startNode("");
        HttpResponse<String> malformed = node.post("/v1/chat/completions", "{\"model\":");
        assertEquals(400, malformed.statusCode());
        assertEquals("invalid_request_error", json(malformed.body()).path("error").path("type").asText());
        HttpResponse<String> missing = node.post("/v1/chat/completions", "{\"model\":\"auto\"}");
        assertEquals(400, missing.statusCode());
        assertEquals("messages", json(missing.body()).path("error").path("param").asText());
        HttpResponse<String> wrongType = node.post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}");
        assertEquals(400, wrongType.statusCode());
        assertEquals("temperature", json(wrongType.body()).path("error").path("param").asText());
        HttpResponse<String> unknown = node.post("/v1/chat/completions", chat("gpt-17", "x", false));
        assertEquals(404, unknown.statusCode());
        assertEquals("model_not_found", json(unknown.body()).path("error").path("code").asText());
        // Expect: 100-continue, as careful clients send big bodies: the node refuses before the body is sent
        HttpResponse<String> huge = node.http.send(java.net.http.HttpRequest.newBuilder(node.base.resolve("/v1/chat/completions"))
                .expectContinue(true).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(chat("auto", "x".repeat(11 * 1024 * 1024), false))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, huge.statusCode());
        assertEquals(400, node.post("/v1/embeddings", "{\"input\":[1,2,3]}").statusCode());
        assertEquals(400, node.post("/v1/embeddings", "{\"input\":\"x\",\"encoding_format\":\"hex\"}").statusCode());
        assertEquals(400, node.post("/api/v1/route", "{}").statusCode());
        assertEquals(200, node.get("/health").statusCode());
    }

    @Test
    void noCapabilityThatFitsIs503() throws Exception {
        ollama.models = List.<String[]>of(new String[] {"llama3.2:latest", "llama", "3.2B"});
        startNode("");
        String req = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AA==\"}}]}]}";
        HttpResponse<String> r = node.post("/v1/chat/completions", req);
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("no_capability", json(r.body()).path("error").path("code").asText());
    }

    @Test
    void requestsBeyondEveryCapQueueBrieflyThenGet503WithRetryAfter() throws Exception {
        startNode("discovery.max-concurrency: 1\n");
        ollama.chunkDelayMs = 200;
        CompletableFuture<HttpResponse<String>> busy = CompletableFuture.supplyAsync(() -> {
            try {
                return node.post("/v1/chat/completions", chat("qwen2.5-coder:7b", "long answer", false));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        NodeHarness.awaitTrue(() -> ollama.chatCalls.get() == 1, "the first request to reach the backend");
        HttpResponse<String> r = node.post("/v1/chat/completions", chat("qwen2.5-coder:7b", "me too", false));
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("1", r.headers().firstValue("retry-after").orElseThrow());
        assertEquals(200, busy.get(30, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void legacyCompletionsWork() throws Exception {
        startNode("");
        JsonNode r = json(node.post("/v1/completions", "{\"model\":\"llama3.2\",\"prompt\":\"Say hi\"}").body());
        assertEquals("text_completion", r.path("object").asText());
        assertEquals(String.join("", FakeBackend.REPLY), r.path("choices").get(0).path("text").asText());
    }
}
