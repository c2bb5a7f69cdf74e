package farm.llama.atmosphere.runtime.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.runtime.util.FileModes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

    @TempDir
    Path dir;

    @Test
    void keysAreShownOnceStoredHashedAndRevocable() throws Exception {
        Path file = dir.resolve("api-keys.json");
        ApiKeys keys = new ApiKeys(file);
        ApiKeys.NewKey k = keys.create("laptop", "openai");
        assertTrue(k.key().startsWith("atm_" + k.info().id() + "_"));
        String stored = Files.readString(file);
        assertFalse(stored.contains(k.key().substring(13)), "the secret is never stored");
        FileModes.assertPrivate(file);
        ApiKeys other = new ApiKeys(file);
        assertEquals(Optional.of(ApiKeys.Scope.OPENAI), other.check(k.key()));
        assertEquals(Optional.empty(), other.check(k.key() + "x"));
        assertTrue(keys.revoke(k.info().id()));
        Thread.sleep(10);
        assertEquals(Optional.empty(), new ApiKeys(file).check(k.key()));
    }

    @Test
    void remoteStyleClientsNeedAKeyWithTheRightScope() throws Exception {
        DataDir data = new DataDir(dir.resolve("data"));
        NodeSetup.init(data, Optional.of("k"), false);
        Files.writeString(data.configFile(), "api:\n  require-key-on-loopback: true\ndiscovery:\n  probe-default-ports: false\n");
        try (Node node = Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.empty())) {
            URI base = node.serve("127.0.0.1", 0);
            HttpClient http = HttpClient.newHttpClient();
            ApiKeys keys = new ApiKeys(data.apiKeysFile());
            ApiKeys.NewKey openai = keys.create("client", "openai");
            ApiKeys.NewKey all = keys.create("admin", "all");
            assertEquals(401, send(http, base, "/v1/models", null).statusCode(), "no key");
            assertEquals(200, send(http, base, "/v1/models", openai.key()).statusCode());
            assertEquals(403, send(http, base, "/api/v1/status", openai.key()).statusCode(), "openai scope only");
            assertEquals(200, send(http, base, "/api/v1/status", all.key()).statusCode());
            assertEquals(200, send(http, base, "/health", null).statusCode(), "health stays open");
            keys.revoke(openai.info().id());
            HttpResponse<String> revoked = send(http, base, "/v1/models", openai.key());
            assertEquals(401, revoked.statusCode());
            assertTrue(revoked.body().contains("invalid_api_key"), revoked.body());
            assertFalse(revoked.body().contains(openai.key()), "no secret in errors");
        }
    }

    private static HttpResponse<String> send(HttpClient http, URI base, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
