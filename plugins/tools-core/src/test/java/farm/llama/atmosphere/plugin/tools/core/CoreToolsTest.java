package farm.llama.atmosphere.plugin.tools.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ConfigView;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.NodeStatus;
import farm.llama.atmosphere.spi.RoutingService;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoreToolsTest {

    @TempDir
    Path dir;

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
            public void publishEvent(NodeEvent event) { }
            public NodeStatus status() {
                return new NodeStatus("0123456789abcdef", "test", "0.1.0", clock.instant(), Duration.ofSeconds(42), 1, 0, 4, true);
            }
            public RoutingService routing() { throw new UnsupportedOperationException(); }
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
}
