package farm.llama.atmosphere.tests;

import static farm.llama.atmosphere.tests.NodeHarness.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings the dashboard administers over the API: API keys (the admin's alone; the secret only
 * in the answer that made the key) and the configuration in effect (defaults filled in, secrets never
 * shown); and a tool's invalid arguments reported per field.
 */
class SettingsApiTest {

    @TempDir
    Path dir;

    private static HttpResponse<String> send(NodeHarness n, String method, String path, String body, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(n.base.resolve(path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return n.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void keysAreTheAdminsAloneAndTheirSecretIsShownOnce() throws Exception {
        try (NodeHarness n = new NodeHarness(dir, NodeHarness.config(null, null, ""))) {
            String admin = java.nio.file.Files.readString(n.data.adminTokenFile()).strip();
            HttpResponse<String> made = send(n, "POST", "/api/v1/keys", "{\"name\":\"phone\",\"scope\":\"all\"}", admin);
            assertEquals(201, made.statusCode(), made.body());
            JsonNode key = json(made.body());
            assertTrue(key.path("key").asText().startsWith("atm_" + key.path("id").asText() + "_"), made.body());
            HttpResponse<String> listed = send(n, "GET", "/api/v1/keys", null, admin);
            assertEquals(200, listed.statusCode());
            assertEquals("phone", json(listed.body()).path("keys").get(0).path("name").asText());
            assertFalse(listed.body().contains(key.path("key").asText()), "a listed key never shows its secret");

            // a key, even of scope all, neither sees nor makes keys; nor does a local client without the token
            for (String bearer : new String[] {key.path("key").asText(), null}) {
                HttpResponse<String> list = send(n, "GET", "/api/v1/keys", null, bearer);
                assertEquals(403, list.statusCode(), list.body());
                assertTrue(list.body().contains("admin_only") && list.body().contains("atmosphere dashboard"), list.body());
            }
            assertEquals(403, send(n, "POST", "/api/v1/keys", "{\"name\":\"more\"}", key.path("key").asText()).statusCode());
            HttpResponse<String> badScope = send(n, "POST", "/api/v1/keys", "{\"name\":\"x\",\"scope\":\"root\"}", admin);
            assertEquals(400, badScope.statusCode());
            assertEquals("scope", json(badScope.body()).path("error").path("param").asText(), badScope.body());

            HttpResponse<String> revoked = send(n, "DELETE", "/api/v1/keys/" + key.path("id").asText(), null, admin);
            assertEquals(200, revoked.statusCode(), revoked.body());
            assertEquals(404, send(n, "DELETE", "/api/v1/keys/" + key.path("id").asText(), null, admin).statusCode(), "gone");
            assertEquals(401, send(n, "POST", "/api/v1/scan", "{}", key.path("key").asText()).statusCode(), "the revoked key opens nothing");
        }
    }

    @Test
    void theConfigurationInEffectHasItsDefaultsAndNoSecret() throws Exception {
        FakeOpenAi openai = new FakeOpenAi();
        try (openai; NodeHarness n = new NodeHarness(dir, NodeHarness.config(null, null, "")
                + "  - type: openai\n    url: " + openai.url() + "/v1\n    api-key: sk-do-not-show-me\n")) {
            String admin = java.nio.file.Files.readString(n.data.adminTokenFile()).strip();
            HttpResponse<String> r = send(n, "GET", "/api/v1/config", null, admin);
            assertEquals(200, r.statusCode(), r.body());
            assertFalse(r.body().contains("sk-do-not-show-me"), r.body());
            JsonNode config = json(r.body()).path("config");
            assertEquals("(set)", config.path("backends").get(0).path("api-key").asText());
            assertEquals("PT60S", config.path("discovery").path("interval").asText(), "as given");
            assertEquals("INFO", config.path("log").path("level").asText(), "a default, filled in");
            assertEquals(403, send(n, "GET", "/api/v1/config", null, null).statusCode(), "the admin's alone");
        }
    }

    @Test
    void aToolsInvalidArgumentsAreReportedPerField() throws Exception {
        try (NodeHarness n = new NodeHarness(dir, NodeHarness.config(null, null, ""))) {
            HttpResponse<String> r = n.postAdmin("/api/v1/tools/notify/run", "{\"message\":\"\",\"level\":\"loud\",\"extra\":1}");
            assertEquals(400, r.statusCode(), r.body());
            JsonNode error = json(r.body()).path("error");
            assertEquals("invalid_parameters", error.path("code").asText());
            java.util.Map<String, String> fields = new java.util.TreeMap<>();
            error.path("fields").forEach(f -> fields.put(f.path("param").asText(), f.path("message").asText()));
            assertEquals(java.util.Set.of("message", "level", "extra"), fields.keySet(), r.body());
            assertTrue(fields.get("level").contains("expected one of"), fields.toString());
            assertTrue(error.path("message").asText().contains(fields.get("level")), "the message names every problem too");
        }
    }
}
