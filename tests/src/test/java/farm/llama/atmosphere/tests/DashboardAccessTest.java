package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.identity.ApiKeys;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.runtime.util.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard as the node serves it (the ui module on the class path): its files with the headers
 * a browser needs, nothing outside them, and the sign-in — a single-use code for the admin's
 * browser, an API key for a remote one — ending in a cookie that carries exactly those rights.
 */
class DashboardAccessTest {

    @TempDir
    Path dir;

    private Node node;
    private URI base;
    private String token;
    private DataDir data;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        data = new DataDir(dir.resolve("data"));
        NodeSetup.init(data, Optional.of("dash"), false);
        node = Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.empty());
        base = node.serve("127.0.0.1", 0);
        token = Files.readString(data.adminTokenFile()).trim();
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theFilesComeWithTheirTypeAPolicyAndAnEtagAndNothingElseIsServed() throws Exception {
        HttpResponse<String> index = send("GET", "/ui/", null, Map.of());
        assertEquals(200, index.statusCode());
        assertEquals("text/html; charset=utf-8", index.headers().firstValue("Content-Type").orElse(""));
        assertTrue(index.body().contains("<script type=\"module\" src=\"/ui/app.js\"></script>") && !index.body().contains("<script>"),
                "no inline script: " + index.body());
        assertTrue(index.body().contains("<link rel=\"icon\" href=\"data:,\">"));
        String csp = index.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("default-src 'self'") && csp.contains("script-src 'self'") && !csp.contains("unsafe"), csp);
        assertEquals("nosniff", index.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertEquals("no-cache", index.headers().firstValue("Cache-Control").orElse(""), "revalidated: two versions never mix");
        String etag = index.headers().firstValue("ETag").orElseThrow();
        assertEquals(304, send("GET", "/ui/", null, Map.of("If-None-Match", etag)).statusCode());

        HttpResponse<String> js = send("GET", "/ui/vendor/preact.js", null, Map.of());
        assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("Content-Type").orElse(""), "module scripts need a JavaScript type");
        assertEquals(200, send("GET", "/ui/login", null, Map.of()).statusCode());
        assertEquals(301, send("GET", "/ui", null, Map.of()).statusCode());
        for (String path : new String[] {"/ui/vendor/VERSIONS", "/ui/.hidden.js", "/ui/vendor/../app.js.map", "/ui/%2e%2e/%2e%2e/pom.xml",
                "/ui/missing.js"}) {
            assertEquals(404, send("GET", path, null, Map.of()).statusCode(), path);
        }
    }

    @Test
    void aLoginCodeWorksOnceAndItsCookieCarriesTheAdminsRightsUntilSignOut() throws Exception {
        assertEquals(401, send("POST", "/api/v1/ui/codes", "{}", Map.of()).statusCode(), "only the admin may ask for a code");
        assertEquals(401, send("POST", "/api/v1/scan", "{}", Map.of()).statusCode(), "a state change needs the admin");
        JsonNode code = Json.parse(send("POST", "/api/v1/ui/codes", "{}", Map.of("Authorization", "Bearer " + token)).body());
        assertEquals(60, code.path("expiresInSeconds").asLong(), "ui.login-code-ttl");

        HttpResponse<String> signIn = send("POST", "/api/v1/ui/session", "{\"code\":\"" + code.path("code").asText() + "\"}", Map.of());
        assertEquals(200, signIn.statusCode(), signIn.body());
        String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"), setCookie);
        assertFalse(setCookie.contains("Secure"), "no TLS here: a Secure cookie would never be sent back");
        assertFalse(signIn.body().contains(token) || setCookie.contains(token), "the admin token never reaches the browser");
        assertEquals("admin", Json.parse(signIn.body()).path("scope").asText());
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        HttpResponse<String> replay = send("POST", "/api/v1/ui/session", "{\"code\":\"" + code.path("code").asText() + "\"}", Map.of());
        assertEquals(401, replay.statusCode(), "a code works once");
        assertTrue(replay.body().contains("atmosphere dashboard"), "says what to do: " + replay.body());

        assertEquals(200, send("POST", "/api/v1/scan", "{}", Map.of("Cookie", cookie)).statusCode(), "the session changes state as the admin");
        assertTrue(Json.parse(send("GET", "/api/v1/ui/session", null, Map.of("Cookie", cookie)).body()).path("signedIn").asBoolean());
        assertEquals(200, send("DELETE", "/api/v1/ui/session", null, Map.of("Cookie", cookie)).statusCode());
        assertEquals(401, send("POST", "/api/v1/scan", "{}", Map.of("Cookie", cookie)).statusCode(), "signed out: the cookie is worth nothing");
        assertEquals(401, send("POST", "/api/v1/scan", "{}", Map.of("Cookie", "atmosphere_session=forged")).statusCode());
    }

    @Test
    void anApiKeySignsInWithItsOwnScopeOnly() throws Exception {
        ApiKeys keys = new ApiKeys(data.apiKeysFile());
        String openai = keys.create("phone", "openai").key();
        HttpResponse<String> wrong = send("POST", "/api/v1/ui/session", "{\"key\":\"atm_00000000_nope\"}", Map.of());
        assertEquals(401, wrong.statusCode());
        HttpResponse<String> signIn = send("POST", "/api/v1/ui/session", "{\"key\":\"" + openai + "\"}", Map.of());
        assertEquals(200, signIn.statusCode(), signIn.body());
        assertEquals("openai", Json.parse(signIn.body()).path("scope").asText());
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        HttpResponse<String> scan = send("POST", "/api/v1/scan", "{}", Map.of("Cookie", cookie));
        assertEquals(403, scan.statusCode(), "an OpenAI-only key's session changes nothing: " + scan.body());
    }
}
