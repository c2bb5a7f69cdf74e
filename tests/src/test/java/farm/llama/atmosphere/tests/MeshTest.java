package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.JoinDecision;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real nodes in this JVM forming a mesh over the WebSocket transport plugin (mutual TLS on
 * loopback), with fast protocol timers: create, invite, join with and without approval, gossip of
 * capabilities, a stopped node seen dead, revocation.
 */
class MeshTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    static int backendCapabilities(JsonNode member) {
        return MeshFixtures.backendCapabilities(member);
    }

    static int freePort() throws IOException {
        return MeshFixtures.freePort();
    }

    static String meshConfig(int port, String extra) {
        return """
                discovery:
                  probe-default-ports: false
                  interval: PT60S
                mesh:
                  bind: 127.0.0.1
                  port: %d
                  probe:
                    interval: PT0.2S
                  gossip:
                    interval: PT0.05S
                %s""".formatted(port, extra);
    }

    private NodeHarness node(String name, String config) throws IOException {
        NodeHarness n = new NodeHarness(dir.resolve(name), config);
        open.add(n);
        return n;
    }

    private static JsonNode members(NodeHarness n) throws Exception {
        return NodeHarness.json(n.get("/api/v1/mesh/members").body()).path("members");
    }

    private static String stateOf(NodeHarness n, String nodeId) {
        try {
            for (JsonNode m : members(n)) {
                if (m.path("nodeId").asText().equals(nodeId)) {
                    return m.path("state").asText();
                }
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return "unknown";
    }

    private static JsonNode memberOf(NodeHarness n, String nodeId) throws Exception {
        for (JsonNode m : members(n)) {
            if (m.path("nodeId").asText().equals(nodeId)) {
                return m;
            }
        }
        return null;
    }

    private static void awaitJoin(NodeHarness n, String state) throws InterruptedException {
        NodeHarness.awaitTrue(() -> state.equals(n.node.meshJoinStatus().state().wire()), "join state " + state + " (now "
                + n.node.meshJoinStatus() + ")");
    }

    @Test
    void threeNodesFormAMeshShareCapabilitiesAndNoticeADeparture() throws Exception {
        FakeOllama ollama = new FakeOllama();
        open.add(ollama);
        NodeHarness a = node("a", meshConfig(freePort(), "backends:\n  - type: ollama\n    url: " + ollama.url() + "\n"));
        NodeHarness b = node("b", meshConfig(freePort(), ""));
        NodeHarness c = node("c", meshConfig(freePort(), ""));
        String aId = a.node.status().nodeId();
        String bId = b.node.status().nodeId();
        String cId = c.node.status().nodeId();

        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "the founder's mesh port");
        String token = a.node.meshInvite(Duration.ofMinutes(5), 1).token();

        // B: a valid invite under 'auto' admits at once
        b.node.meshJoin(token);
        awaitJoin(b, "joined");
        assertEquals(a.node.mesh().meshId().orElse(null), b.node.mesh().meshId().orElse(null));
        assertEquals("member", b.node.mesh().role().orElse(null));

        // the invite was single-use: C cannot reuse it
        c.node.meshJoin(token);
        awaitJoin(c, "failed");
        assertTrue(String.valueOf(c.node.meshJoinStatus().message().orElse("")).contains("already used"), c.node.meshJoinStatus().toString());

        // C: by address alone, it waits for the owner
        String aEndpoint = String.valueOf(((List<?>) a.node.mesh().endpoints().orElse(List.of())).get(0));
        c.node.meshJoin(aEndpoint.substring("wss://".length()));
        awaitJoin(c, "pending");
        NodeHarness.awaitTrue(() -> a.node.meshPending().stream().anyMatch(p -> cId.equals(p.nodeId())), "C's request at A");
        a.node.meshDecide(cId, false);
        awaitJoin(c, "joined");

        // everyone sees everyone alive, with names; A's capabilities reach C
        for (NodeHarness n : List.of(a, b, c)) {
            for (String id : List.of(aId, bId, cId)) {
                NodeHarness.awaitTrue(() -> "alive".equals(stateOf(n, id)), id + " alive at " + n.node.status().nodeId());
            }
        }
        int aCaps = a.node.capabilities().size();
        assertTrue(aCaps > 0);
        NodeHarness.awaitTrue(() -> {
            try {
                JsonNode m = memberOf(c, aId);
                return m != null && backendCapabilities(m) == aCaps && m.path("name").asText().equals("test-node");
            } catch (Exception e) {
                return false;
            }
        }, "A's " + aCaps + " capabilities at C");
        JsonNode seen = memberOf(c, aId);
        assertEquals("websocket", seen.path("transport").asText());
        assertEquals(aEndpoint, seen.path("address").asText());

        // the topology: C learns from B's signed profile the link B measures to A (never one nobody measured)
        NodeHarness.awaitTrue(() -> {
            try {
                JsonNode bAtC = memberOf(c, bId);
                return bAtC != null && bAtC.path("links").findValuesAsText("nodeId").contains(aId);
            } catch (Exception e) {
                return false;
            }
        }, "B's measured link to A, as C knows it");
        for (JsonNode l : memberOf(c, bId).path("links")) {
            assertEquals("websocket", l.path("transport").asText(), l.toString());
            assertTrue(l.path("rttMs").asDouble() >= 0, l.toString());
            assertTrue(List.of(aId, cId).contains(l.path("nodeId").asText()), "only members B measured: " + l);
        }
        NodeHarness.awaitTrue(() -> {
            try {
                return memberOf(c, cId).path("links").findValuesAsText("nodeId").containsAll(List.of(aId, bId));
            } catch (Exception e) {
                return false;
            }
        }, "C's own measured links to A and B");

        // B stops without a word: the others confirm it dead
        b.close();
        open.remove(b);
        NodeHarness.awaitTrue(() -> "dead".equals(stateOf(a, bId)) && "dead".equals(stateOf(c, bId)), "B dead at A and C");

        // C is revoked by the founder: it is cut off at A
        a.node.meshRevoke(cId, false);
        assertEquals("left", stateOf(a, cId));
        NodeHarness.awaitTrue(() -> a.node.meshStats().get("messages").getOrDefault("revoked", 0L) > 0
                || a.node.meshStats().get("links").getOrDefault("revoked", 0L) > 0, "C refused at A");
    }

    @Test
    void manualApprovalWaitsAndADeniedJoinerStaysOut() throws Exception {
        NodeHarness a = node("a", meshConfig(freePort(), "  approval: manual\n"));
        NodeHarness b = node("b", meshConfig(freePort(), ""));
        String bId = b.node.status().nodeId();
        a.node.meshCreate("strict");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "the founder's mesh port");
        String token = a.node.meshInvite(Duration.ofMinutes(5), 1).token();
        b.node.meshJoin(token);
        awaitJoin(b, "pending");
        NodeHarness.awaitTrue(() -> a.node.meshPending().size() == 1, "one pending request");
        assertEquals(JoinDecision.Decision.DENIED, a.node.meshDecide(bId, true).decision());
        awaitJoin(b, "failed");
        assertTrue(String.valueOf(b.node.meshJoinStatus().message().orElse("")).contains("denied"));
        assertEquals(false, b.node.mesh().member());
        assertThrows(AtmosphereException.class, () -> a.node.meshDecide(bId, false), "nothing pending any more");
    }

    @Test
    void anAdminAdmitsAndRevokesWhileTheFounderIsOff() throws Exception {
        NodeHarness a = node("a", meshConfig(freePort(), ""));
        NodeHarness b = node("b", meshConfig(freePort(), ""));
        NodeHarness c = node("c", meshConfig(freePort(), ""));
        NodeHarness d = node("d", meshConfig(freePort(), ""));
        String bId = b.node.status().nodeId();
        String cId = c.node.status().nodeId();
        String dId = d.node.status().nodeId();
        a.node.meshCreate("office");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "the founder's mesh port");
        b.node.meshJoin(a.node.meshInvite(Duration.ofMinutes(5), 1).token());
        awaitJoin(b, "joined");
        assertThrows(AtmosphereException.class, () -> b.node.meshInvite(Duration.ofMinutes(5), 1), "a plain member cannot invite");
        NodeHarness.awaitTrue(() -> "alive".equals(stateOf(a, bId)), "B alive at A");
        NodeHarness.awaitTrue(() -> {
            try {
                a.node.meshAdmin(bId, false);
                return true;
            } catch (AtmosphereException e) {
                return false; // B has not spoken yet
            }
        }, "A grants B the admin role");
        NodeHarness.awaitTrue(() -> "admin".equals(b.node.mesh().role().orElse(null)), "B is an admin");

        // the founder's device goes off; the admin admits C with its own invite, and D by approval
        a.close();
        open.remove(a);
        c.node.meshJoin(b.node.meshInvite(Duration.ofMinutes(5), 1).token());
        awaitJoin(c, "joined");
        d.node.meshJoin(((List<?>) b.node.mesh().endpoints().orElse(List.of())).get(0).toString().substring("wss://".length()));
        awaitJoin(d, "pending");
        NodeHarness.awaitTrue(() -> !b.node.meshPending().isEmpty(), "D's request at B");
        b.node.meshDecide(dId, false);
        awaitJoin(d, "joined");
        for (NodeHarness n : List.of(b, c, d)) {
            for (String id : List.of(bId, cId, dId)) {
                NodeHarness.awaitTrue(() -> "alive".equals(stateOf(n, id)), id + " alive at " + n.node.status().nodeId());
            }
        }
        // the admin revokes D: C learns it by gossip
        b.node.meshRevoke(dId, false);
        NodeHarness.awaitTrue(() -> "left".equals(stateOf(c, dId)), "D cut off at C");
        assertTrue(((List<?>) c.node.mesh().revoked().orElse(List.of())).contains(dId));
    }
}
