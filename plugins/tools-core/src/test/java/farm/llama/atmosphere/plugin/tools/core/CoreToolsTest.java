package farm.llama.atmosphere.plugin.tools.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.ConfigView;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.NodeStatus;
import farm.llama.atmosphere.spi.RoutingService;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoreToolsTest {

    @TempDir
    Path dir;

    private RoutingService routing = new RoutingService() {
        public Flow.Publisher<ChatChunk> chat(ChatRequest request) { throw new UnsupportedOperationException("no router in this test"); }
        public Embeddings embed(EmbedRequest request) { throw new UnsupportedOperationException("no router in this test"); }
        public RouteDecision explain(RouteQuery query) { throw new UnsupportedOperationException("no router in this test"); }
    };
    private final List<NodeEvent> published = new java.util.concurrent.CopyOnWriteArrayList<>();

    private NodeContext context(Map<String, Object> config) {
        ConfigView view = new farm.llama.atmosphere.runtime.config.TreeConfigView("tools.core", config);
        Clock clock = Clock.fixed(Instant.parse("2026-05-01T10:15:30Z"), ZoneOffset.UTC);
        return new NodeContext() {
            public String nodeId() { return "0123456789abcdef"; }
            public String nodeName() { return "test"; }
            public String version() { return "0.1.0"; }
            public Path dataDir() { return dir; }
            public ConfigView config() { return view; }
            public Clock clock() { return clock; }
            public void publishEvent(NodeEvent event) { published.add(event); }
            public NodeStatus status() {
                return new NodeStatus("0123456789abcdef", "test", "0.1.0", clock.instant(), Duration.ofSeconds(42), 1, 0, 4, true);
            }
            public RoutingService routing() { return routing; }
        };
    }

    private static Tool tool(List<Tool> tools, String name) {
        return tools.stream().filter(t -> t.spec().name().equals(name)).findFirst().orElseThrow();
    }

    private static JsonNode run(Tool tool, String args) throws Exception {
        return Tools.JSON.readTree(tool.invoke(new ToolCall(args, "local")).json());
    }

    @Test
    void storePersistsAcrossInstancesAndWritesAtomically() throws Exception {
        Tool store = tool(new CoreToolProvider().create(context(Map.of())), "store");
        assertTrue(run(store, "{\"action\":\"set\",\"key\":\"a/b\",\"value\":{\"n\":[1,2]}}").path("created").asBoolean());
        assertEquals(false, run(store, "{\"action\":\"set\",\"key\":\"a/b\",\"value\":3}").path("created").asBoolean());
        run(store, "{\"action\":\"set\",\"key\":\"z\",\"value\":\"last\"}");

        Tool again = tool(new CoreToolProvider().create(context(Map.of())), "store");
        assertEquals(3, run(again, "{\"action\":\"get\",\"key\":\"a/b\"}").path("value").asInt());
        assertEquals(List.of("a/b"), Tools.JSON.convertValue(run(again, "{\"action\":\"list\",\"prefix\":\"a/\"}").path("keys"), List.class));
        assertTrue(run(again, "{\"action\":\"delete\",\"key\":\"z\"}").path("deleted").asBoolean());
        assertEquals(false, run(again, "{\"action\":\"get\",\"key\":\"z\"}").path("found").asBoolean());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("store.json")), files.toList(), "no temporary files are left behind");
        }
        assertEquals(1, Tools.JSON.readTree(Files.readString(dir.resolve("store.json"))).path("format").asInt());
    }

    @Test
    void aStoreOfANewerFormatIsRefusedAndNeverOverwritten() throws Exception {
        String newer = "{\"format\":2,\"entries\":{\"kept\":1}}";
        Files.writeString(dir.resolve("store.json"), newer);
        Tool store = tool(new CoreToolProvider().create(context(Map.of())), "store");
        for (String call : List.of("{\"action\":\"get\",\"key\":\"kept\"}", "{\"action\":\"set\",\"key\":\"k\",\"value\":1}")) {
            CallFailedException e = assertThrows(CallFailedException.class, () -> run(store, call));
            assertTrue(e.getMessage().contains("is in format 2") && e.getMessage().contains("reads format 1"), e.getMessage());
        }
        assertEquals(newer, Files.readString(dir.resolve("store.json")));
    }

    @Test
    void storeLimitsComeFromConfig() throws Exception {
        Tool store = tool(new CoreToolProvider().create(context(Map.of("max-keys", 1L))), "store");
        run(store, "{\"action\":\"set\",\"key\":\"one\",\"value\":1}");
        CallFailedException full = assertThrows(CallFailedException.class,
                () -> run(store, "{\"action\":\"set\",\"key\":\"two\",\"value\":2}"));
        assertEquals(FailureKind.REFUSED, full.kind());
        assertTrue(full.getMessage().contains("tools.core.max-keys"), full.getMessage());
        CallFailedException missing = assertThrows(CallFailedException.class, () -> run(store, "{\"action\":\"get\"}"));
        assertTrue(missing.getMessage().contains("parameter 'key' is required"), missing.getMessage());
    }

    @Test
    void timeUsesTheNodeClockAndNamedZones() throws Exception {
        Tool time = tool(new CoreToolProvider().create(context(Map.of())), "time");
        JsonNode utc = run(time, "{}");
        assertEquals("2026-05-01T10:15:30Z", utc.path("utc").asText());
        JsonNode paris = run(time, "{\"timezone\":\"Europe/Paris\"}");
        assertEquals("2026-05-01T12:15:30+02:00", paris.path("iso").asText());
        CallFailedException bad = assertThrows(CallFailedException.class, () -> run(time, "{\"timezone\":\"Mars/Olympus\"}"));
        assertTrue(bad.getMessage().contains("parameter 'timezone'"), bad.getMessage());
    }

    @Test
    void healthAndEcho() throws Exception {
        List<Tool> tools = new CoreToolProvider().create(context(Map.of()));
        JsonNode health = run(tool(tools, "health"), "{}");
        assertEquals("ok", health.path("status").asText());
        assertEquals(42, health.path("uptimeSeconds").asInt());
        assertEquals("0123456789abcdef", health.path("nodeId").asText());
        assertEquals("ünïcode ✓", run(tool(tools, "echo"), "{\"message\":\"ünïcode ✓\"}").path("message").asText());
    }

    @Test
    void llmGathersTheRoutedStreamAndPassesSystemAndPrompt() throws Exception {
        List<ChatRequest> asked = new java.util.ArrayList<>();
        routing = new RoutingService() {
            public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
                asked.add(request);
                SubmissionPublisher<ChatChunk> p = new SubmissionPublisher<>();
                Thread.ofVirtual().start(() -> {
                    while (p.getNumberOfSubscribers() == 0) {
                        Thread.onSpinWait();
                    }
                    p.submit(new ChatChunk("{\"model\":\"llama3.2\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}", false));
                    p.submit(new ChatChunk("{\"model\":\"llama3.2\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}", true));
                    p.close();
                });
                return p;
            }
            public Embeddings embed(EmbedRequest request) { throw new UnsupportedOperationException(); }
            public RouteDecision explain(RouteQuery query) { throw new UnsupportedOperationException(); }
        };
        JsonNode out = run(tool(new CoreToolProvider().create(context(Map.of())), "llm"),
                "{\"prompt\":\"say hello\",\"system\":\"be brief\",\"max_tokens\":5}");
        assertEquals("Hello", out.path("text").asText());
        assertEquals("llama3.2", out.path("model").asText());
        assertEquals("auto", asked.get(0).model());
        JsonNode body = Tools.JSON.readTree(asked.get(0).json());
        assertEquals("system", body.path("messages").get(0).path("role").asText());
        assertEquals("say hello", body.path("messages").get(1).path("content").asText());
        assertEquals(5, body.path("max_tokens").asInt());
    }

    @Test
    void llmPassesOnTheRoutersRefusal() {
        routing = new RoutingService() {
            public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
                return s -> s.onError(new CallFailedException(FailureKind.NOT_FOUND, "no chat capability"));
            }
            public Embeddings embed(EmbedRequest request) { throw new UnsupportedOperationException(); }
            public RouteDecision explain(RouteQuery query) { throw new UnsupportedOperationException(); }
        };
        CallFailedException e = assertThrows(CallFailedException.class,
                () -> run(tool(new CoreToolProvider().create(context(Map.of())), "llm"), "{\"prompt\":\"x\"}"));
        assertEquals(FailureKind.NOT_FOUND, e.kind());
    }

    @Test
    void embedAndRouteUseTheRouter() throws Exception {
        Capability cap = new Capability("c1", "fedcba9876543210", "llm/chat", "llama3.2", "general chat", List.of("llama3.2"),
                List.of(), "http://x", Map.of());
        routing = new RoutingService() {
            public Flow.Publisher<ChatChunk> chat(ChatRequest request) { throw new UnsupportedOperationException(); }
            public Embeddings embed(EmbedRequest request) {
                return new Embeddings("minilm", request.input().stream().map(t -> new float[] {t.length(), 1f}).toList(), 3);
            }
            public RouteDecision explain(RouteQuery query) {
                assertEquals(Set.of("llm/code"), query.needs());
                return new RouteDecision(Optional.of(new ScoredCandidate(cap, 0.9, 0.8, 1.1, Map.of())), List.of(), "fits best");
            }
        };
        List<Tool> tools = new CoreToolProvider().create(context(Map.of()));
        JsonNode e = run(tool(tools, "embed"), "{\"input\":[\"abc\",\"de\"]}");
        assertEquals(2, e.path("dimensions").asInt());
        assertEquals(3.0, e.path("vectors").get(0).get(0).asDouble());
        assertEquals(2.0, e.path("vectors").get(1).get(0).asDouble());
        JsonNode r = run(tool(tools, "route"), "{\"intent\":\"write code\",\"needs\":[\"llm/code\"]}");
        assertEquals("fedcba9876543210", r.path("winner").path("node").asText());
        assertEquals("fits best", r.path("reason").asText());
    }

    @Test
    void notifyPublishesToTheEventStreamAndSystemInfoDescribesTheMachine() throws Exception {
        List<Tool> tools = new CoreToolProvider().create(context(Map.of()));
        assertTrue(run(tool(tools, "notify"), "{\"message\":\"disk almost full\",\"level\":\"warning\"}").path("delivered").asBoolean());
        NodeEvent e = published.stream().filter(x -> x.type().equals("tool.notify")).findFirst().orElseThrow();
        assertEquals("disk almost full", e.data().get("message"));
        assertEquals("warning", e.data().get("level"));
        assertEquals("local", e.data().get("from"));
        JsonNode info = run(tool(tools, "system_info"), "{}");
        assertTrue(info.path("processors").asInt() > 0);
        assertTrue(info.path("memoryTotalBytes").asLong() > 0);
        assertTrue(info.path("diskFreeBytes").asLong() > 0);
    }
}
