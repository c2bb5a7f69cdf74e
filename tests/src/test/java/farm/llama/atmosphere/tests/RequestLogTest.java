package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.identity.ApiKeys;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request log of the OpenAI-compatible API: every request recorded once it ended (served,
 * failed over, refused), named by its client, counted in {@code /api/v1/usage}; and the text of
 * prompts and answers, kept under {@code ui.show-prompts}, given to admins only — in the list and
 * on the event stream.
 */
class RequestLogTest {

    @TempDir
    Path dir;

    private FakeOllama ollama;
    private NodeHarness node;
    private String key;

    @BeforeEach
    void start() throws Exception {
        ollama = new FakeOllama();
        node = new NodeHarness(dir, NodeHarness.config(ollama, null, "ui:\n  show-prompts: true\n"));
        node.await("/api/v1/backends", b -> b.path("backends").findValuesAsText("state").contains("up"));
        key = new ApiKeys(node.data.apiKeysFile()).create("laptop", "openai").key();
    }

    @AfterEach
    void stop() {
        node.close();
        ollama.close();
    }

    private HttpResponse<String> send(String method, String path, String body, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.base.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return node.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String admin() throws Exception {
        return Files.readString(node.data.adminTokenFile()).trim();
    }

    /** @return the first request.completed event's data on the stream, read as whoever the bearer makes the reader */
    private JsonNode firstCompleted(String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.base.resolve("/api/v1/events?recent=50&named=false"));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<InputStream> r = node.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ") && line.contains("\"request.completed\"")) {
                    return NodeHarness.json(line.substring(6));
                }
            }
        }
        throw new AssertionError("the stream ended without a request.completed event");
    }

    @Test
    void eachRequestIsRecordedWithItsClientRouteAndTokensAndCountedInUsage() throws Exception {
        String chat = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"a secret question\"}]}";
        HttpResponse<String> local = send("POST", "/v1/chat/completions", chat, null);
        assertEquals(200, local.statusCode(), local.body());
        HttpResponse<String> viaKey = send("POST", "/v1/chat/completions", chat.replace("}]}", "}],\"stream\":true}"), key);
        assertEquals(200, viaKey.statusCode(), viaKey.body());
        HttpResponse<String> bad = send("POST", "/v1/chat/completions", "{\"model\":", null);
        assertEquals(400, bad.statusCode());

        JsonNode list = NodeHarness.json(send("GET", "/api/v1/requests?limit=10", null, null).body());
        JsonNode requests = list.path("requests");
        assertEquals(3, requests.size(), list.toString());
        JsonNode first = requests.get(2);
        assertEquals(local.headers().firstValue("x-atmosphere-request").orElse(""), first.path("requestId").asText(), "the header names the record");
        assertEquals("local", first.path("client").asText());
        assertEquals(local.headers().firstValue("x-atmosphere-route").orElse(""), first.path("route").asText());
        JsonNode usage = NodeHarness.json(local.body()).path("usage");
        assertEquals(usage.path("prompt_tokens").asInt(), first.path("tokensIn").asInt());
        assertEquals(usage.path("completion_tokens").asInt(), first.path("tokensOut").asInt());
        assertTrue(first.path("firstTokenMs").asLong() >= 0 && first.path("totalMs").asLong() >= first.path("firstTokenMs").asLong());
        assertEquals("key:laptop", requests.get(1).path("client").asText(), "an API key is named by its name, never shown");
        assertTrue(requests.get(1).path("stream").asBoolean());
        assertTrue(requests.get(1).path("tokensOut").asInt() > 0, "a stream's usage chunk counted: " + requests.get(1));
        assertEquals(400, requests.get(0).path("status").asInt(), "a refused request too");
        assertFalse(list.toString().contains(key), "the key itself appears nowhere");

        JsonNode detail = NodeHarness.json(send("GET", "/api/v1/requests/" + first.path("requestId").asText(), null, null).body());
        assertTrue(detail.path("decision").path("winner").has("capability"), "one request with its decision: " + detail);
        assertEquals(404, send("GET", "/api/v1/requests/req-999", null, null).statusCode());
        assertEquals(400, send("GET", "/api/v1/requests?limit=0", null, null).statusCode());

        JsonNode figures = NodeHarness.json(send("GET", "/api/v1/usage", null, null).body());
        JsonNode total = figures.path("sinceStart").path("total");
        assertEquals(3, total.path("requests").asInt());
        assertEquals(1, total.path("errors").asInt());
        assertEquals(requests.get(1).path("tokensOut").asInt() + first.path("tokensOut").asInt(), total.path("tokensOut").asInt());
        assertEquals(1, figures.path("sinceStart").path("byClient").path("key:laptop").path("requests").asInt());
        assertEquals(2, figures.path("sinceStart").path("byModel").path("llama3.2").path("requests").asInt(), figures.path("sinceStart").toString());
        assertEquals(3, figures.path("lastHour").path("total").path("requests").asInt());
        assertEquals(60, figures.path("minutes").size());
    }

    @Test
    void promptsAndAnswersReachAdminsOnly() throws Exception {
        String chat = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"a secret question\"}]}";
        assertEquals(200, send("POST", "/v1/chat/completions", chat, null).statusCode());

        String asOthers = send("GET", "/api/v1/requests", null, null).body();
        assertFalse(asOthers.contains("a secret question") || asOthers.contains("Rayleigh"), "a local reader without the token: " + asOthers);
        JsonNode asAdmin = NodeHarness.json(send("GET", "/api/v1/requests", null, admin()).body()).path("requests").get(0);
        assertEquals("a secret question", asAdmin.path("prompt").asText());
        assertEquals("The sky is blue because of Rayleigh scattering.", asAdmin.path("answer").asText());

        JsonNode event = firstCompleted(null);
        assertFalse(event.has("prompt") || event.has("answer"), "the stream without the token: " + event);
        assertEquals("local", event.path("client").asText());
        JsonNode adminEvent = firstCompleted(admin());
        assertEquals("a secret question", adminEvent.path("prompt").asText());
        assertFalse(send("GET", "/api/v1/requests/" + adminEvent.path("requestId").asText(), null, key).body().contains("secret"),
                "an API key is not the admin");
    }

    @Test
    void withoutShowPromptsNoTextIsKeptAtAll() throws Exception {
        node.close();
        node = new NodeHarness(dir, NodeHarness.config(ollama, null, ""));
        node.await("/api/v1/backends", b -> b.path("backends").findValuesAsText("state").contains("up"));
        String chat = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"a secret question\"}]}";
        assertEquals(200, send("POST", "/v1/chat/completions", chat, null).statusCode());
        String asAdmin = send("GET", "/api/v1/requests", null, admin()).body();
        assertFalse(asAdmin.contains("a secret question"), asAdmin);
        assertFalse(firstCompleted(admin()).has("prompt"));
    }
}
