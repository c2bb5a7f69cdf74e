package farm.llama.atmosphere.tests;

import static farm.llama.atmosphere.tests.NodeHarness.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend that dies mid-answer, here or on another member: the answer is continued on the next
 * candidate that can continue it, and the client's stream (the official OpenAI client's) ends
 * whole, with one id and one model, its usage adding up and its token limit kept. The stand-in
 * that continues checks the request it gets: the client's messages plus exactly one trailing
 * assistant message equal to what was streamed, with its kind's continuation parameters and none
 * it would refuse; it refuses anything else.
 */
class ContinuationTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    private static final String WHOLE = String.join("", FakeBackend.REPLY);
    private static final String PREFIX = String.join("", FakeBackend.REPLY.subList(0, 3)); // "The sky is": what dies after 3 chunks
    private static final String CODE = "My Python script throws a KeyError in a dict comprehension, fix it";

    private FakeOllama ollama(String... models) throws Exception {
        FakeOllama o = new FakeOllama().serving(models);
        o.templates = Map.of(models[0], FakeOllama.OPEN_TEMPLATE);
        open.add(o);
        return o;
    }

    private FakeOpenAi openai(String ownedBy, String... models) throws Exception {
        FakeOpenAi o = new FakeOpenAi();
        o.ownedBy = ownedBy;
        o.models = List.of(models);
        open.add(o);
        return o;
    }

    private NodeHarness node(String name, String extra, FakeBackend... backends) throws Exception {
        StringBuilder config = new StringBuilder("discovery:\n  probe-default-ports: false\n  interval: PT60S\n"
                + "routing:\n  queue-timeout: PT0.3S\n  timeout: PT5S\n  max-attempts: 4\n").append(extra).append("backends:\n");
        for (FakeBackend b : backends) {
            config.append(b instanceof FakeOllama ? "  - type: ollama\n    url: " + b.url() : "  - type: openai\n    url: " + b.url() + "/v1").append('\n');
        }
        NodeHarness n = new NodeHarness(dir.resolve(name), config.toString());
        open.add(n);
        n.await("/api/v1/backends", b -> b.path("backends").size() == backends.length
                && b.path("backends").findValuesAsText("state").stream().allMatch("up"::equals));
        return n;
    }

    private static OpenAIClient client(NodeHarness node) {
        OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(node.base.resolve("/v1").toString()).apiKey("not-needed-on-loopback")
                .maxRetries(0).build();
        return c;
    }

    /** What the client's stream held, read with the official OpenAI client. */
    record Streamed(String text, Set<String> ids, Set<String> models, String finish, long promptTokens, long completionTokens,
                    JsonNode atmosphere) {
    }

    private static Streamed stream(OpenAIClient client, ChatCompletionCreateParams params) {
        StringBuilder text = new StringBuilder();
        Set<String> ids = new HashSet<>();
        Set<String> models = new HashSet<>();
        String finish = null;
        long prompt = -1;
        long completion = -1;
        JsonNode atmosphere = null;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
            for (ChatCompletionChunk c : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                ids.add(c.id());
                models.add(c.model());
                for (ChatCompletionChunk.Choice choice : c.choices()) {
                    choice.delta().content().ifPresent(text::append);
                    if (choice.finishReason().isPresent()) {
                        finish = choice.finishReason().get().asString();
                    }
                }
                if (c.usage().isPresent()) {
                    prompt = c.usage().get().promptTokens();
                    completion = c.usage().get().completionTokens();
                }
                JsonValue a = c._additionalProperties().get("atmosphere");
                if (a != null) {
                    atmosphere = FakeBackend.JSON.valueToTree(a.convert(Object.class));
                }
            }
        }
        return new Streamed(text.toString(), ids, models, finish, prompt, completion, atmosphere);
    }

    private static ChatCompletionCreateParams.Builder ask(String model, String question) {
        return ChatCompletionCreateParams.builder().model(model).addSystemMessage("Be brief.").addUserMessage(question)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
    }

    /** The continuing backend got the client's messages plus one trailing assistant message holding what was streamed. */
    private static void assertContinues(JsonNode request, String question, String prefix) {
        JsonNode m = request.path("messages");
        assertEquals(3, m.size(), "system, user, and the answer so far: " + request);
        assertEquals("system", m.get(0).path("role").asText());
        assertEquals("Be brief.", m.get(0).path("content").asText());
        assertEquals("user", m.get(1).path("role").asText());
        assertEquals(question, m.get(1).path("content").asText());
        assertEquals("assistant", m.get(2).path("role").asText());
        assertEquals(prefix, m.get(2).path("content").asText());
    }

    @Test
    void aStreamWhoseBackendDiesIsContinuedOnTheNextCandidateAndTheClientSeesOneWholeAnswer() throws Exception {
        FakeOllama coder = ollama("qwen2.5-coder:7b");
        coder.dropAfterChunks = 3;
        FakeOpenAi llamaCpp = openai("llamacpp", "llama3.2");
        NodeHarness node = node("a", "", coder, llamaCpp);

        Streamed s = stream(client(node), ask("auto", CODE).build());
        assertEquals(WHOLE, s.text(), "the prefix from the backend that died, then the continuation");
        assertEquals(1, s.ids().size(), "one response id: " + s.ids());
        assertEquals(1, s.models().size(), "one model: " + s.models());
        assertEquals("stop", s.finish());
        assertEquals(1, llamaCpp.continuations.size());
        JsonNode sent = llamaCpp.continuations.get(0);
        assertContinues(sent, CODE, PREFIX);
        assertTrue(sent.path("continue_final_message").asBoolean(), sent.toString());
        assertFalse(sent.path("add_generation_prompt").asBoolean(true), "vLLM and llama.cpp refuse it true beside continue_final_message");
        // usage adds up: 3 tokens streamed before the death (counted, the dead backend never said) and 6 after
        assertEquals(FakeBackend.REPLY.size(), s.completionTokens());
        assertEquals(19, s.promptTokens(), "the client's prompt, counted once (the continuing prompt carried the prefix)");
        JsonNode joined = s.atmosphere().path("continued").get(0);
        assertTrue(joined.path("from").asText().contains("/qwen2.5-coder:7b"), s.atmosphere().toString());
        assertTrue(joined.path("to").asText().endsWith("/llama3.2"), s.atmosphere().toString());
        assertEquals(3, joined.path("afterTokens").asInt());

        // the request log names the switch, and so does the route.failover event
        JsonNode record = json(node.get("/api/v1/requests?limit=1").body()).path("requests").get(0);
        assertTrue(record.path("failover").get(0).asText().contains("mid-stream after 3 tokens"), record.toString());
        assertTrue(record.path("route").asText().endsWith("/llama3.2"), record.toString());
        assertFalse(record.has("error") && !record.path("error").isNull(), record.toString());
        assertEquals(FakeBackend.REPLY.size(), record.path("tokensOut").asInt(), record.toString());
        JsonNode event = midStreamFailover(node);
        assertTrue(event.toString().contains("/llama3.2") && event.toString().contains("mid-stream after 3 tokens"), event.toString());

        // x-atmosphere-continue: off keeps the old behaviour: an error chunk, no continuation
        HttpResponse<InputStream> off = node.http.send(HttpRequest.newBuilder(node.base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").header("x-atmosphere-continue", "off")
                .POST(HttpRequest.BodyPublishers.ofString(chat("auto", CODE, true, ""))).build(), HttpResponse.BodyHandlers.ofInputStream());
        String body = new String(off.body().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(body.contains("\"backend_failed\"") && body.trim().endsWith("data: [DONE]"), body);
        assertEquals(1, llamaCpp.continuations.size(), "nothing was continued");
        HttpResponse<String> bad = node.http.send(HttpRequest.newBuilder(node.base.resolve("/v1/chat/completions"))
                .header("x-atmosphere-continue", "maybe").POST(HttpRequest.BodyPublishers.ofString(chat("auto", CODE, true, ""))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(bad.body().contains("x-atmosphere-continue"), bad.body());

        // the legacy completions endpoint is carried on the same way: its text chunks join up whole
        HttpResponse<InputStream> legacy = node.postStream("/v1/completions",
                "{\"model\":\"auto\",\"stream\":true,\"prompt\":\"" + CODE + "\"}");
        StringBuilder text = new StringBuilder();
        String sse = new String(legacy.body().readAllBytes(), StandardCharsets.UTF_8);
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode c = json(line.substring(6));
                assertEquals("text_completion", c.path("object").asText(), line);
                text.append(c.path("choices").path(0).path("text").asText(""));
            }
        }
        assertEquals(WHOLE, text.toString(), sse);
        assertEquals(2, llamaCpp.continuations.size(), "the legacy request was continued too");
    }

    /** @return the first route.failover event on the node's event stream that says it happened mid-stream */
    private static JsonNode midStreamFailover(NodeHarness node) throws Exception {
        HttpResponse<InputStream> r = node.http.send(HttpRequest.newBuilder(node.base.resolve("/api/v1/events?recent=200&named=false")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ") && line.contains("\"route.failover\"") && line.contains("\"midStream\":true")) {
                    return json(line.substring(6));
                }
            }
        }
        throw new AssertionError("the event stream ended without a mid-stream route.failover");
    }

    private static String chat(String model, String question, boolean stream, String extra) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + extra + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    }

    @Test
    void ollamaContinuesWhereTheModelsTemplateLeavesTheLastMessageOpenAndMaxTokensHoldsAcrossTheJoin() throws Exception {
        FakeOpenAi vllm = openai("vllm", "qwen2.5-coder:7b");
        vllm.dropAfterChunks = 3;
        FakeOllama ollama = ollama("llama3.2:latest");
        NodeHarness node = node("a", "", vllm, ollama);

        // not streamed: the answer completes the same way
        HttpResponse<String> r = node.post("/v1/chat/completions", chat("auto", CODE, false, ",\"max_tokens\":5"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode answer = json(r.body());
        assertEquals(String.join("", FakeBackend.REPLY.subList(0, 5)), answer.path("choices").get(0).path("message").path("content").asText(),
                "5 tokens in all: 3 before the death, 2 after");
        assertEquals("length", answer.path("choices").get(0).path("finish_reason").asText());
        assertEquals(5, answer.path("usage").path("completion_tokens").asInt(), answer.toString());
        assertTrue(answer.path("atmosphere").path("continued").get(0).path("to").asText().contains("ollama@"), answer.toString());
        assertTrue(r.headers().firstValue("x-atmosphere-failover").orElseThrow().contains("qwen2.5-coder:7b"));
        assertEquals(1, ollama.continuations.size());
        JsonNode sent = ollama.continuations.get(0);
        assertContinues(sent, CODE, PREFIX);
        assertEquals(2, sent.path("options").path("num_predict").asInt(), "max_tokens less the 3 tokens streamed: " + sent);
        assertFalse(sent.has("continue_final_message") || sent.has("add_generation_prompt"), "Ollama's own words only: " + sent);

        // a stop sequence that begins before the join and ends after it ends the answer there
        Streamed s = stream(client(node), ask("auto", CODE).stop("is blue").build());
        assertEquals(PREFIX, s.text(), "\" blue\" completes the stop sequence begun by \"is\" before the join");
        assertEquals("stop", s.finish());
    }

    @Test
    void aBackendThatCannotContinueIsSkipped() throws Exception {
        FakeOllama coder = ollama("qwen2.5-coder:7b");
        coder.dropAfterChunks = 3;
        FakeOpenAi lmStudio = openai("organization_owner", "llama3.2"); // LM Studio documents no way to continue
        FakeOllama closed = new FakeOllama().serving("mistral:7b");
        closed.templates = Map.of("mistral:7b", FakeOllama.CLOSED_TEMPLATE); // its template closes every assistant turn
        open.add(closed);
        FakeOpenAi llamaCpp = openai("llamacpp", "phi3:mini");
        NodeHarness node = node("a", "", coder, lmStudio, closed, llamaCpp);

        Streamed s = stream(client(node), ask("auto", CODE).build());
        assertEquals(WHOLE, s.text());
        assertEquals(1, llamaCpp.continuations.size(), "the one that can continue did");
        assertEquals(0, lmStudio.continuations.size() + closed.continuations.size(), "the others never got the prefix to answer afresh");
        assertTrue(lmStudio.chatBodies.isEmpty(), "LM Studio was never asked: " + lmStudio.chatBodies);
        assertTrue(closed.chatBodies.isEmpty(), "the closed template was seen in /api/show before any chat: " + closed.chatBodies);

        // a client may ask for its own assistant message to be continued: only backends that can continue it are asked
        String own = "{\"model\":\"auto\",\"continue_final_message\":true,\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"" + CODE + "\"},{\"role\":\"assistant\",\"content\":\"" + PREFIX + "\"}]}";
        coder.dropAfterChunks = -1;
        HttpResponse<String> r = node.post("/v1/chat/completions", own);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(WHOLE.substring(PREFIX.length()), json(r.body()).path("choices").get(0).path("message").path("content").asText());
        HttpResponse<String> onlyLmStudio = node.post("/v1/chat/completions", own.replace("\"auto\"", "\"llama3.2\""));
        assertEquals(503, onlyLmStudio.statusCode(), onlyLmStudio.body());
        assertTrue(onlyLmStudio.body().contains("continue"), onlyLmStudio.body());
        HttpResponse<String> notAssistant = node.post("/v1/chat/completions",
                own.replace(",{\"role\":\"assistant\",\"content\":\"" + PREFIX + "\"}", ""));
        assertEquals(400, notAssistant.statusCode(), notAssistant.body());
        assertTrue(lmStudio.chatBodies.isEmpty(), lmStudio.chatBodies.toString());
    }

    @Test
    void aStreamThatDiedAfterAToolCallBeganEndsAsBefore() throws Exception {
        FakeOpenAi llamaCpp = openai("llamacpp", "llama3.2");
        llamaCpp.script = body -> FakeOpenAi.Turn.call("get_weather", "{\"city\":\"Paris\"}");
        llamaCpp.dropAfterChunks = 0;
        FakeOllama ollama = ollama("llama3.2:latest");
        ollama.dropAfterChunks = 0; // whichever goes first dies in the middle of its tool call
        NodeHarness node = node("a", "", llamaCpp, ollama);
        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"}}}}}]";
        HttpResponse<InputStream> r = node.postStream("/v1/chat/completions", chat("llama3.2", "Weather in Paris?", true, tools));
        String body = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(body.contains("tool_calls"), body);
        assertTrue(body.contains("\"backend_failed\"") && body.contains("a tool call had begun"), body);
        assertEquals(0, llamaCpp.continuations.size() + ollama.continuations.size(), "a tool call is never continued elsewhere");
    }

    @Test
    void aStreamIsContinuedOnAnotherMemberWhenTheServingMembersBackendDies() throws Exception {
        FakeOllama ollama = ollama("qwen2.5-coder:7b");
        FakeOpenAi vllm = openai("vllm", "qwen2.5-coder:7b");
        ollama.dropAfterChunks = 3; // whichever member serves first dies after 3 chunks; the other continues
        vllm.dropAfterChunks = 3;
        NodeHarness a = meshNode("a", ollama);
        NodeHarness b = meshNode("b", vllm);
        NodeHarness c = meshNode("c", null);
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        for (NodeHarness joiner : List.of(b, c)) {
            joiner.node.meshJoin(a.node.meshInvite(Duration.ofMinutes(5), 1).token());
            NodeHarness.awaitTrue(() -> "joined".equals(joiner.node.meshJoinStatus().state().wire()), "joined");
        }
        String aId = a.node.status().nodeId();
        String bId = b.node.status().nodeId();
        NodeHarness.awaitTrue(() -> sees(c, aId) && sees(c, bId), "A's and B's models at C");

        Streamed s = stream(client(c), ask("qwen2.5-coder:7b", CODE).build());
        assertEquals(WHOLE, s.text(), "C has no backend: both parts came from members");
        assertEquals(1, s.ids().size());
        assertEquals(FakeBackend.REPLY.size(), s.completionTokens());
        List<JsonNode> continued = new ArrayList<>(ollama.continuations);
        continued.addAll(vllm.continuations);
        assertEquals(1, continued.size(), "one member continued what the other's backend began");
        assertContinues(continued.get(0), CODE, PREFIX);
        JsonNode joined = s.atmosphere().path("continued").get(0);
        assertNotNull(joined);
        String from = joined.path("from").asText();
        String to = joined.path("to").asText();
        assertFalse(from.substring(0, from.indexOf('/')).equals(to.substring(0, to.indexOf('/'))), "from one member to the other: " + joined);
        assertTrue(List.of(aId, bId).contains(to.substring(0, to.indexOf('/'))), joined.toString());
    }

    private NodeHarness meshNode(String name, FakeBackend backend) throws Exception {
        String extra = backend == null ? "" : "backends:\n  - type: " + (backend instanceof FakeOllama ? "ollama\n    url: " + backend.url()
                : "openai\n    url: " + backend.url() + "/v1") + "\n";
        NodeHarness n = new NodeHarness(dir.resolve(name), MeshTest.meshConfig(MeshTest.freePort(), extra)
                + "routing:\n  timeout: PT5S\n  queue-timeout: PT0.3S\n");
        open.add(n);
        return n;
    }

    private static boolean sees(NodeHarness at, String nodeId) {
        return at.node.meshMembers().stream().anyMatch(m -> nodeId.equals(m.nodeId()) && "alive".equals(m.state())
                && MeshTest.backendCapabilities(FakeBackend.JSON.valueToTree(m)) > 0);
    }
}
