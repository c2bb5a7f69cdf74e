package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.plugins.PluginJars;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.agent.AgentTypeProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent type written by a third party as a plugin, against the SPI alone: it runs a tool on
 * another member through {@code NodeContext.tools()}, as the caller the node handed it — so the
 * member's grants decide, for the owner and for a trigger alike.
 */
class PluginAgentTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    /** A plugin with one agent type, {@code prober}: "probe NODE" runs system_info on that member, as its caller. */
    private Path pluginsWithProber() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (var jars = Files.list(Path.of(System.getProperty("atmosphere.test.plugins", "target/plugins")))) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, plugins.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        PluginJars.plugin("prober")
                .source("p.Prober", """
                        package p;
                        import farm.llama.atmosphere.spi.*;
                        import farm.llama.atmosphere.spi.agent.*;
                        import java.util.List;
                        import java.util.Map;
                        import java.util.concurrent.CompletableFuture;
                        import java.util.concurrent.CompletionStage;
                        public final class Prober implements AgentTypeProvider {
                            public String type() { return "prober"; }
                            public List<AgentType> create(NodeContext ctx) {
                                return List.of(new AgentType() {
                                    public String name() { return "prober"; }
                                    public String description() { return "probes a member's machine"; }
                                    public Agent spawn(String id, Map<String, Object> params) {
                                        return new Agent() {
                                            private volatile AgentState state = AgentState.IDLE;
                                            public String id() { return id; }
                                            public AgentState state() { return state; }
                                            public CompletionStage<AgentReply> handle(String intent, Map<String, Object> args) {
                                                return handle(intent, args, Caller.LOCAL);
                                            }
                                            public CompletionStage<AgentReply> handle(String intent, Map<String, Object> args, Caller caller) {
                                                String member = intent.substring(intent.lastIndexOf(' ') + 1);
                                                try {
                                                    String info = ctx.tools().runOn(member, "system_info", "{}", caller).json();
                                                    return CompletableFuture.completedFuture(new AgentReply("probed " + member, info, 1));
                                                } catch (RuntimeException e) {
                                                    return CompletableFuture.failedFuture(e);
                                                }
                                            }
                                            public void close() { state = AgentState.STOPPED; }
                                        };
                                    }
                                });
                            }
                        }
                        """)
                .service(AgentTypeProvider.class, "p.Prober")
                .writeTo(plugins, "prober.jar");
        return plugins;
    }

    @Test
    void aPluginAgentRunsAToolOnAnotherMemberAsItsCallerAndTheMembersGrantsDecide() throws Exception {
        // B lets members read its system, but not a member's triggers; A lets its triggers read systems
        NodeHarness b = new NodeHarness(dir.resolve("b"), MeshTest.meshConfig(MeshTest.freePort(),
                "tools:\n  grants:\n    mesh: [\"system:read\"]\n"));
        open.add(b);
        NodeHarness a = new NodeHarness(dir.resolve("a"), MeshTest.meshConfig(MeshTest.freePort(), """
                tools:
                  disabled: [system_info]
                  grants:
                    trigger: ["system:read"]
                triggers:
                  probe:
                    now:
                      intent: "probe {member}"
                      route: agent/prober
                """), pluginsWithProber());
        open.add(a);
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        b.node.meshJoin(a.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(b.node.meshJoinStatus().state().wire()), "joined");
        String bId = b.node.status().nodeId();
        NodeHarness.awaitTrue(() -> a.node.meshMembers().stream().anyMatch(m -> bId.equals(m.nodeId()) && "alive".equals(m.state())
                && String.valueOf(m.capabilities().orElse(List.of())).contains("type=tool/system_info,")), "B's system_info seen at A");
        assertTrue(a.node.plugins().stream().anyMatch(p -> p.id().equals("prober")), "the plugin is listed: " + a.node.plugins());

        // the owner asks: B grants its members system:read, so the tool runs on B
        Map<String, Object> spawned = NodeHarness.asMap(a.node.agentSpawn("prober", JsonText.EMPTY_OBJECT, Optional.of("probe " + bId)));
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = (Map<String, Object>) spawned.get("answer");
        assertEquals("probed " + bId, answer.get("text"));
        assertTrue(String.valueOf(answer.get("result")).contains(bId), "system_info ran on B: " + answer);

        // a trigger asks: the same agent, the same tool, but B grants nothing to triggers: refused there
        CallFailedException refused = assertThrows(CallFailedException.class,
                () -> a.node.fireTrigger("probe", "now", new JsonText("{\"member\":\"" + bId + "\"}"), true));
        assertEquals(FailureKind.REFUSED, refused.kind(), refused.getMessage());
        assertTrue(refused.getMessage().contains("member " + bId) && refused.getMessage().contains("system:read")
                && refused.getMessage().contains("tools.grants.trigger"), "B refused, naming the permission and the caller: " + refused.getMessage());
        JsonNode counts = NodeHarness.json(a.get("/api/v1/triggers").body()).path("triggers").get(0).path("counts");
        assertEquals(1, counts.path("failed").asInt(), counts.toString());
    }
}
