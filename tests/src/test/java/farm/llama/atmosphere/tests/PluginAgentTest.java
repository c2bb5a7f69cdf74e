package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.plugins.PluginJars;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
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
                .agentType("p", "prober", "probes a member's machine", """
                        String member = intent.substring(intent.lastIndexOf(' ') + 1);
                        try {
                            String info = ctx.tools().runOn(member, "system_info", "{}", caller).json();
                            return CompletableFuture.completedFuture(new AgentReply("probed " + member, info, 1));
                        } catch (RuntimeException e) {
                            return CompletableFuture.failedFuture(e);
                        }
                        """)
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

    @Test
    void agentTypesFollowTheirPluginWhenItIsDisabledAndEnabledAgain() throws Exception {
        NodeHarness a = new NodeHarness(dir.resolve("solo"), "discovery:\n  probe-default-ports: false\nmesh:\n  mdns: false\n");
        open.add(a);
        a.node.agentAdd("greeter.yaml", """
                agent:
                  id: greeter
                  type: greeter
                  description: Greets people.
                """);
        assertTrue(typeNames(a).containsAll(List.of("echo", "research", "greeter")), typeNames(a).toString());
        String echo = a.node.agentSpawn("echo", JsonText.EMPTY_OBJECT, Optional.empty()).id();
        a.node.disablePlugin("agents-core");
        CallFailedException gone = assertThrows(CallFailedException.class, () -> a.node.agentInvoke(echo, "hello", JsonText.EMPTY_OBJECT));
        assertEquals(FailureKind.NOT_FOUND, gone.kind(), gone.getMessage());
        assertTrue(gone.getMessage().contains("no longer has"), gone.getMessage());
        assertEquals(List.of(), typeNames(a), "no plugin, no agent types");
        assertTrue(a.node.agentTypes().problems().stream().anyMatch(p -> p.contains("greeter.yaml") && p.contains("no agent type plugin")),
                "the owner's spec waits for a plugin that reads it: " + a.node.agentTypes().problems());
        a.node.enablePlugin("agents-core");
        assertTrue(typeNames(a).containsAll(List.of("echo", "research", "greeter")), typeNames(a).toString());
        assertEquals("hello", a.node.agentInvoke(echo, "hello", JsonText.EMPTY_OBJECT).text(), "the agent is made again from its type");
        assertEquals(List.of(), a.node.agentTypes().problems());
    }

    private static List<String> typeNames(NodeHarness h) {
        return h.node.agentTypes().types().stream().map(t -> t.type()).toList();
    }
}
