package farm.llama.atmosphere.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.runtime.plugins.PluginJars;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plugin fires a trigger through its node context: the event becomes an intent, routed to an agent (a plugin's too). */
class PluginTriggerTest {

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void aPluginFiresATriggerThatRunsAnAgent() throws Exception {
        DataDir data = new DataDir(dir.resolve("data"));
        NodeSetup.init(data, Optional.of("test"), false);
        Files.writeString(data.configFile(), """
                discovery:
                  probe-default-ports: false
                mesh:
                  mdns: false
                triggers:
                  thermometer:
                    reading:
                      intent: "The kitchen is at {celsius} degrees"
                      route: agent/echo
                      throttle: 1h
                """);
        Path image = dir.resolve("image");
        PluginJars.plugin("sensor")
                .source("s.Provider", """
                        package s;
                        import farm.llama.atmosphere.spi.*;
                        import farm.llama.atmosphere.spi.tool.*;
                        import java.time.Duration;
                        import java.util.List;
                        import java.util.Map;
                        public final class Provider implements ToolProvider {
                            public String type() { return "sensor"; }
                            public List<Tool> create(NodeContext ctx) {
                                ToolSpec spec = new ToolSpec("read_sensor", "reads the thermometer and reports it", "test",
                                    "{\\"type\\":\\"object\\",\\"properties\\":{\\"celsius\\":{\\"type\\":\\"integer\\"}},\\"required\\":[\\"celsius\\"]}",
                                    List.of(), Duration.ofSeconds(5), false);
                                return List.of(new Tool() {
                                    public ToolSpec spec() { return spec; }
                                    public ToolResult invoke(ToolCall call) {
                                        String c = call.argumentsJson().replaceAll("[^0-9]", "");
                                        Map<String, Object> fired = ctx.fireTrigger("thermometer", "reading", Map.of("celsius", Integer.parseInt(c)));
                                        return new ToolResult("{\\"intent\\":\\"" + fired.get("intent") + "\\",\\"throttled\\":" + fired.get("throttled") + "}");
                                    }
                                });
                            }
                        }
                        """)
                .agentType("s", "echo", "echoes what it hears",
                        "return CompletableFuture.completedFuture(new AgentReply(intent, \"null\", 0));")
                .service(ToolProvider.class, "s.Provider")
                .writeTo(image, "sensor.jar");
        try (Node node = Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.of(image))) {
            JsonNode first = Json.parse(node.runTool("read_sensor", "{\"celsius\":21}"));
            assertEquals("The kitchen is at 21 degrees", first.path("intent").asText());
            assertEquals(false, first.path("throttled").asBoolean());
            long end = System.nanoTime() + 30_000_000_000L;
            Map<String, Long> counts = Map.of();
            while (System.nanoTime() < end) {
                counts = node.triggers().get(0).counts();
                if (counts.getOrDefault("done", 0L) == 1) {
                    break;
                }
                Thread.sleep(50);
            }
            assertEquals(1L, counts.getOrDefault("done", 0L), "the routed agent ran: " + counts);
            assertTrue(node.agents().stream().anyMatch(a -> a.type().equals("echo")), "an echo agent took it: " + node.agents());
            JsonNode second = Json.parse(node.runTool("read_sensor", "{\"celsius\":22}"));
            assertEquals(true, second.path("throttled").asBoolean(), "the throttle holds for plugins too");
        }
    }
}
