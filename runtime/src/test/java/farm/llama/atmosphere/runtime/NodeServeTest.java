package farm.llama.atmosphere.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.runtime.plugins.PluginJars;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeServeTest {

    @TempDir
    Path dir;

    private DataDir data;
    private Node node;
    private URI base;
    private String token;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        data = new DataDir(dir.resolve("data"));
        NodeSetup.init(data, Optional.of("test"), false);
        Files.writeString(data.configFile(), "api:\n  allowed-origins: [\"http://dashboard.example:3000\"]\n  max-body-size: 4096\n");
        Path image = dir.resolve("image");
        PluginJars.plugin("test-tools")
                .source("t.Provider", """
                        package t;
                        import farm.llama.atmosphere.spi.*;
                        import farm.llama.atmosphere.spi.tool.*;
                        import java.time.Duration;
                        import java.util.List;
                        public final class Provider implements ToolProvider {
                            public String type() { return "test"; }
                            public List<Tool> create(NodeContext ctx) {
                                return List.of(tool("greet", Duration.ofSeconds(5), ctx),
                                               tool("slow", Duration.ofMillis(200), ctx),
                                               tool("crash", Duration.ofSeconds(5), ctx));
                            }
                            static Tool tool(String name, Duration timeout, NodeContext ctx) {
                                ToolSpec spec = new ToolSpec(name, name, "test",
                                    "{\\"type\\":\\"object\\",\\"properties\\":{\\"who\\":{\\"type\\":\\"string\\",\\"minLength\\":1},\\"times\\":{\\"type\\":\\"integer\\",\\"minimum\\":1}},\\"required\\":[\\"who\\"]}",
                                    List.of(), timeout, false);
                                return new Tool() {
                                    public ToolSpec spec() { return spec; }
                                    public ToolResult invoke(ToolCall call) {
                                        if (name.equals("slow")) {
                                            try { Thread.sleep(10_000); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
                                        }
                                        if (name.equals("crash")) { throw new IllegalStateException("boom"); }
                                        return new ToolResult("{\\"hello\\":\\"" + ctx.nodeId() + "\\"}");
                                    }
                                };
                            }
                        }
                        """)
                .service(ToolProvider.class, "t.Provider")
                .writeTo(image, "test-tools.jar");
        node = Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.of(image));
        base = node.serve("127.0.0.1", 0);
        token = Files.readString(data.adminTokenFile()).trim();
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, boolean withToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (withToken) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A raw request, so the Host and Origin headers are exactly what a browser or attacker would send. */
    private String raw(String method, String path, String host, String extraHeaders) throws Exception {
        try (Socket s = new Socket("127.0.0.1", base.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            String req = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n";
            out.write(req.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    break;
                }
                head.append((char) c);
            }
            int length = 0;
            for (String h : head.toString().split("\r\n")) {
                if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }
    }

    @Test
    void meshEndpointFollowsTheStoredMembership() throws Exception {
        JsonNode none = Json.parse(get("/api/v1/mesh").body());
        assertFalse(none.path("member").asBoolean(), none.toString());
        assertEquals(node.identity().nodeId(), none.path("nodeId").asText());

        var store = new farm.llama.atmosphere.runtime.mesh.MeshStore(data);
        var created = store.create("home");
        new farm.llama.atmosphere.runtime.mesh.Revocations(store.dir())
                .revokeAsFounder(store.root(), store.meshKey().orElseThrow(), "lost-phone");
        JsonNode mesh = Json.parse(get("/api/v1/mesh").body());
        assertTrue(mesh.path("member").asBoolean(), mesh.toString());
        assertEquals(created.meshId(), mesh.path("meshId").asText());
        assertEquals("home", mesh.path("name").asText());
        assertEquals("founder", mesh.path("role").asText());
        assertEquals("lost-phone", mesh.path("revoked").path(0).asText());
        assertFalse(mesh.toString().contains("PRIVATE"), "no key material in the answer");
    }

    @Test
    void unknownPathsAnswer404InTheOpenAiErrorShape() throws Exception {
        HttpResponse<String> ui = get("/ui/");
        assertEquals(404, ui.statusCode(), "no ui module on this test's class path");
        assertTrue(ui.body().contains("no dashboard"), ui.body());
        for (String path : new String[] {"/nonexistent", "/api/v1/nothing-here"}) {
            HttpResponse<String> r = get(path);
            assertEquals(404, r.statusCode(), path + ": " + r.body());
            JsonNode error = Json.parse(r.body()).path("error");
            assertEquals("invalid_request_error", error.path("type").asText(), r.body());
            assertTrue(error.path("message").asText().contains("GET " + path), "names what was asked: " + r.body());
        }
    }

    @Test
    void healthNamesTheNode() throws Exception {
        HttpResponse<String> r = get("/health");
        assertEquals(200, r.statusCode());
        JsonNode json = Json.parse(r.body());
        assertEquals("ok", json.path("status").asText());
        assertEquals(node.identity().nodeId(), json.path("nodeId").asText());
        assertEquals(Atmosphere.version(), json.path("version").asText());
    }

    @Test
    void foreignHostIsRefusedLocalNamesAreNot() throws Exception {
        int port = base.getPort();
        assertTrue(raw("GET", "/health", "evil.example:" + port, "").startsWith("HTTP/1.1 403"));
        assertTrue(raw("GET", "/health", "attacker.localhost.evil.com", "").startsWith("HTTP/1.1 403"));
        String refused = raw("GET", "/api/v1/status", "rebind.attacker.com", "");
        assertTrue(refused.contains("forbidden_host"), refused);
        assertFalse(refused.contains(token), "no secret in errors");
        assertTrue(raw("GET", "/health", "localhost:" + port, "").startsWith("HTTP/1.1 200"));
        assertTrue(raw("GET", "/health", "127.0.0.1:" + port, "").startsWith("HTTP/1.1 200"));
        assertTrue(raw("GET", "/health", "[::1]:" + port, "").startsWith("HTTP/1.1 200"));
        // on loopback, the machine's own names are not accepted: a spoofed <hostname>.local could rebind to them
        String hostname = java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        String shortName = hostname.contains(".") ? hostname.substring(0, hostname.indexOf('.')) : hostname;
        for (String name : java.util.List.of(shortName + ".local", hostname)) {
            String answer = raw("GET", "/api/v1/status", name + ":" + port, "");
            assertTrue(answer.startsWith("HTTP/1.1 403") && answer.contains("forbidden_host"), name + ": " + answer);
        }
    }

    @Test
    void crossOriginBrowserRequestsAreRefusedUnlessAllowed() throws Exception {
        int port = base.getPort();
        String host = "localhost:" + port;
        assertTrue(raw("GET", "/api/v1/status", host, "Origin: http://evil.example\r\n").startsWith("HTTP/1.1 403"));
        String post = raw("POST", "/api/v1/plugins/reload", host, "Origin: http://evil.example\r\nAuthorization: Bearer " + token + "\r\n");
        assertTrue(post.startsWith("HTTP/1.1 403") && post.contains("forbidden_origin"), post);
        assertTrue(raw("GET", "/api/v1/status", host, "Origin: http://" + host + "\r\n").startsWith("HTTP/1.1 200"), "same origin");
        assertTrue(raw("GET", "/api/v1/status", host, "Origin: http://dashboard.example:3000\r\n").startsWith("HTTP/1.1 200"), "configured origin");
    }

    @Test
    void stateChangesNeedTheAdminToken() throws Exception {
        HttpResponse<String> without = post("/api/v1/tools/greet/run", "{\"who\":\"a\"}", false);
        assertEquals(401, without.statusCode());
        assertEquals("admin_token_required", Json.parse(without.body()).path("error").path("code").asText());
        HttpRequest wrong = HttpRequest.newBuilder(base.resolve("/api/v1/plugins/reload")).POST(HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + token + "x").build();
        assertEquals(401, http.send(wrong, HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(200, post("/api/v1/tools/greet/run", "{\"who\":\"a\"}", true).statusCode());
    }

    @Test
    void toolsRunInsideTheNodeWithClearErrors() throws Exception {
        HttpResponse<String> ok = post("/api/v1/tools/greet/run", "{\"who\":\"x\"}", true);
        assertEquals(node.identity().nodeId(), Json.parse(ok.body()).path("result").path("hello").asText());

        HttpResponse<String> bad = post("/api/v1/tools/greet/run", "{\"who\":\"\",\"times\":\"three\"}", true);
        assertEquals(400, bad.statusCode());
        String msg = Json.parse(bad.body()).path("error").path("message").asText();
        assertTrue(msg.contains("parameter 'who': expected at least 1 characters"), msg);
        assertTrue(msg.contains("parameter 'times': expected an integer, got the string \"three\""), msg);

        HttpResponse<String> missing = post("/api/v1/tools/greet/run", "{}", true);
        assertTrue(Json.parse(missing.body()).path("error").path("message").asText().contains("parameter 'who' is required"));

        assertEquals(400, post("/api/v1/tools/greet/run", "{not json", true).statusCode());
        assertEquals(404, post("/api/v1/tools/nope/run", "{}", true).statusCode());
        assertEquals(504, post("/api/v1/tools/slow/run", "{\"who\":\"x\"}", true).statusCode());
        HttpResponse<String> crash = post("/api/v1/tools/crash/run", "{\"who\":\"x\"}", true);
        assertEquals(500, crash.statusCode());
        assertTrue(crash.body().contains("boom"), crash.body());
        assertEquals(413, post("/api/v1/tools/greet/run", "{\"who\":\"" + "x".repeat(10_000) + "\"}", true).statusCode());
        assertEquals(200, get("/health").statusCode(), "the node keeps serving");
    }

    @Test
    void aSecondServeOnTheSameDataDirFailsClearly() throws Exception {
        JsonNode nodeFile = Json.parse(Files.readString(data.nodeFile()));
        assertEquals(ProcessHandle.current().pid(), nodeFile.path("pid").asLong());
        assertEquals(base.toString(), nodeFile.path("address").asText());
        try (Node second = Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.empty())) {
            AtmosphereException e = assertThrows(AtmosphereException.class, () -> second.serve("127.0.0.1", 0));
            assertTrue(e.getMessage().contains("already serving"), e.getMessage());
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        }
        assertEquals(200, get("/health").statusCode(), "the first node is unaffected");
        node.close();
        node = null;
        assertFalse(Files.exists(data.nodeFile()), "node.json is removed on stop");
    }

    @Test
    void aPortInUseFailsTheServeClearlyInsteadOfServingNowhere() throws Exception {
        DataDir other = new DataDir(dir.resolve("other"));
        NodeSetup.init(other, Optional.of("other"), false);
        try (Node second = Node.open(other, NodeConfig.load(other.configFile(), Map.of()), Optional.empty())) {
            AtmosphereException e = assertThrows(AtmosphereException.class, () -> second.serve("127.0.0.1", base.getPort()));
            assertTrue(e.getMessage().contains("Cannot listen on 127.0.0.1:" + base.getPort()) && e.getMessage().contains("--port"),
                    e.getMessage());
            assertFalse(Files.exists(other.nodeFile()), "no node.json pointing at a server that is not there");
        }
        assertEquals(200, get("/health").statusCode(), "the node holding the port is unaffected");
    }

    @Test
    void aStateChangeWithoutTheTokenSaysHowToGetIt() throws Exception {
        Path kept = Files.move(data.adminTokenFile(), dir.resolve("token-elsewhere"));
        try {
            NodeClient client = NodeClient.connect(data).orElseThrow();
            assertTrue(client.status().serving(), "reading needs no token");
            farm.llama.atmosphere.spi.CallFailedException e = assertThrows(farm.llama.atmosphere.spi.CallFailedException.class,
                    () -> client.disablePlugin("test-tools"));
            assertTrue(e.getMessage().contains("needs its admin token (" + data.adminTokenFile() + ")")
                    && e.getMessage().contains("Run it as the user that owns"), e.getMessage());
        } finally {
            Files.move(kept, data.adminTokenFile());
        }
    }

    @Test
    void clientTalksToTheServingNode() {
        NodeClient client = NodeClient.connect(data).orElseThrow();
        assertTrue(client.status().serving());
        assertEquals(3, client.tools().size());
        assertEquals("{\"hello\":\"" + node.identity().nodeId() + "\"}", client.runTool("greet", "{\"who\":\"z\"}"));
        assertEquals("test-tools", client.plugins().get(0).id());
        assertEquals("disabled", client.disablePlugin("test-tools").state());
        assertEquals(0, client.tools().size());
        assertEquals("started", client.enablePlugin("test-tools").state());
        assertEquals(3, client.tools().size());
    }

    @Test
    void aFirstConnectionMayAskForTheNewestEventsAndFramesWithoutTypeLines() throws Exception {
        post("/api/v1/tools/greet/run", "{\"who\":\"first\"}", true);
        post("/api/v1/tools/greet/run", "{\"who\":\"second\"}", true);
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/api/v1/events?recent=1&named=false")).timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<InputStream> stream = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            java.util.List<String> frame = new java.util.ArrayList<>();
            while ((line = r.readLine()) != null && !line.startsWith("data:")) {
                frame.add(line);
            }
            assertTrue(line != null && line.contains("\"type\":\"tool.ran\""), "the newest kept event first: " + line);
            assertTrue(frame.stream().noneMatch(l -> l.startsWith("event:")), "no type lines: " + frame);
            assertTrue(frame.stream().anyMatch(l -> l.startsWith("id: ")), "ids, for resuming: " + frame);
        }
    }

    @Test
    void eventsStreamAsServerSentEventsAndResume() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/api/v1/events")).GET().build();
        HttpResponse<InputStream> stream = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        assertTrue(stream.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                StringBuilder sb = new StringBuilder();
                String line;
                while ((line = r.readLine()) != null) {
                    sb.append(line).append('\n');
                    if (line.startsWith("data:") && line.contains("tool.ran")) {
                        return sb.toString();
                    }
                }
                return sb.toString();
            } catch (Exception e) {
                return e.toString();
            }
        });
        Thread.sleep(200);
        post("/api/v1/tools/greet/run", "{\"who\":\"x\"}", true);
        String text = seen.get(30, TimeUnit.SECONDS);
        assertTrue(text.contains("event: tool.ran"), text);
        assertTrue(text.matches("(?s).*id: \\d+.*"), text);
        assertTrue(text.contains("\"nodeId\":\"" + node.identity().nodeId() + "\""), text);
        // resume: everything after id 0 is replayed
        HttpRequest resume = HttpRequest.newBuilder(base.resolve("/api/v1/events")).header("Last-Event-ID", "1")
                .timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<InputStream> again = http.send(resume, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(again.body(), StandardCharsets.UTF_8))) {
            String line;
            boolean replayed = false;
            while ((line = r.readLine()) != null) {
                if (line.contains("tool.ran")) {
                    replayed = true;
                    break;
                }
            }
            assertTrue(replayed);
        }
    }
}
