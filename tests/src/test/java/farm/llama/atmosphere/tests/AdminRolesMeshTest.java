package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin roles that can be taken back without cutting the mesh apart, with real nodes over the
 * WebSocket transport: an admin cannot revoke the founder or another admin; removing an admin
 * keeps it and the members it admitted (their certificates are re-issued on next contact);
 * revoking one cuts its members off until the owner re-admits them, and asks first.
 */
class AdminRolesMeshTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    private NodeHarness node(String name) throws Exception {
        NodeHarness n = new NodeHarness(dir.resolve(name), MeshTest.meshConfig(MeshTest.freePort(), ""));
        open.add(n);
        return n;
    }

    private static String id(NodeHarness n) {
        return n.node.status().nodeId();
    }

    private static JsonNode member(NodeHarness n, String nodeId) {
        try {
            for (JsonNode m : NodeHarness.json(n.get("/api/v1/mesh/members").body()).path("members")) {
                if (m.path("nodeId").asText().equals(nodeId)) {
                    return m;
                }
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static void await(NodeHarness n, String nodeId, Predicate<JsonNode> check, String what) throws InterruptedException {
        NodeHarness.awaitTrue(() -> check.test(member(n, nodeId)), what + " (now " + member(n, nodeId) + ")");
    }

    private static Predicate<JsonNode> alive() {
        return m -> m.path("state").asText().equals("alive");
    }

    /** A founder, B made an admin, C admitted by B with B's invite: everyone alive everywhere. */
    private NodeHarness[] founderAdminAndItsMember() throws Exception {
        NodeHarness a = node("a");
        NodeHarness b = node("b");
        NodeHarness c = node("c");
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "the founder's mesh port");
        b.node.meshJoin(a.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(b.node.meshJoinStatus().state().wire()), "B joined");
        await(a, id(b), alive(), "B alive at A");
        NodeHarness.awaitTrue(() -> {
            try {
                a.node.meshAdmin(id(b), false);
                return true;
            } catch (AtmosphereException e) {
                return false; // B has not spoken yet
            }
        }, "A makes B an admin");
        c.node.meshJoin(b.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(c.node.meshJoinStatus().state().wire()), "C joined through B");
        for (NodeHarness n : List.of(a, b, c)) {
            for (NodeHarness m : List.of(a, b, c)) {
                if (n != m) {
                    await(n, id(m), alive(), id(m) + " alive at " + id(n));
                }
            }
        }
        await(a, id(c), m -> m.path("admittedBy").asText().equals(id(b)) && m.path("certificate").asText().equals("valid"),
                "A knows B admitted C");
        return new NodeHarness[] {a, b, c};
    }

    @Test
    void anAdminCannotRevokeTheFounderOrAnotherAdmin() throws Exception {
        NodeHarness[] n = founderAdminAndItsMember();
        NodeHarness a = n[0];
        NodeHarness b = n[1];
        NodeHarness c = n[2];
        NodeHarness.awaitTrue(() -> {
            try {
                a.node.meshAdmin(id(c), false);
                return true;
            } catch (AtmosphereException e) {
                return false;
            }
        }, "A makes C an admin too");
        // B acts on the roster of roles it holds: once the one naming C has reached it
        Object rolesAtA = a.node.mesh().roles().orElse(null);
        NodeHarness.awaitTrue(() -> rolesAtA.equals(b.node.mesh().roles().orElse(null)), "B holds the founder's roster " + rolesAtA);
        AtmosphereException ofFounder = assertThrows(AtmosphereException.class, () -> b.node.meshRevoke(id(a), true));
        assertTrue(ofFounder.getMessage().contains("Only the founder") && ofFounder.getMessage().contains("the founder. Nothing was changed"),
                ofFounder.getMessage());
        AtmosphereException ofAdmin = assertThrows(AtmosphereException.class, () -> b.node.meshRevoke(id(c), true));
        assertTrue(ofAdmin.getMessage().contains("an admin"), ofAdmin.getMessage());
        assertEquals(List.of(), b.node.mesh().revoked().orElse(List.of()));
        // the founder may: C admitted no one, so no confirmation is needed beyond its being an admin
        AtmosphereException asks = assertThrows(AtmosphereException.class, () -> a.node.meshRevoke(id(c), false));
        assertTrue(asks.getMessage().contains("--yes") && asks.getMessage().contains("no member this node knows of"), asks.getMessage());
        a.node.meshRevoke(id(c), true);
        await(b, id(c), m -> m.path("state").asText().equals("left"), "C revoked at B");
    }

    @Test
    void removingAnAdminKeepsItAndItsMembersAndTheFounderReissuesTheirCertificates() throws Exception {
        NodeHarness[] n = founderAdminAndItsMember();
        NodeHarness a = n[0];
        NodeHarness b = n[1];
        String cId = id(n[2]);
        // C is off while B's role is removed: A shows its certificate as still B's, to be re-issued
        n[2].close();
        open.remove(n[2]);
        var removed = a.node.meshAdmin(id(b), true);
        assertEquals("member", removed.role());
        assertEquals(List.of(cId), removed.reissued().orElseThrow());
        NodeHarness.awaitTrue(() -> "member".equals(b.node.mesh().role().orElse(null)), "B is a member again");
        AtmosphereException invite = assertThrows(AtmosphereException.class, () -> b.node.meshInvite(Duration.ofMinutes(5), 1));
        assertTrue(invite.getMessage().toLowerCase(java.util.Locale.ROOT).contains("admin"), invite.getMessage());
        await(a, id(b), m -> m.path("role").asText().equals("member") && m.path("state").asText().equals("alive"), "B a live member at A");
        assertEquals("reissue-pending", member(a, cId).path("certificate").asText(), member(a, cId).toString());
        AtmosphereException again = assertThrows(AtmosphereException.class, () -> a.node.meshAdmin(id(b), true));
        assertTrue(again.getMessage().contains("not an admin"), again.getMessage());

        // C comes back: A re-issues its certificate under the mesh key, and C is never cut off
        NodeHarness c = new NodeHarness(dir.resolve("c"), MeshTest.meshConfig(MeshTest.freePort(), ""));
        open.add(c);
        await(c, cId, m -> m.path("admittedBy").asText().isEmpty() && m.path("certificate").asText().equals("valid"), "C's new certificate");
        await(a, cId, m -> m.path("admittedBy").asText().isEmpty() && m.path("certificate").asText().equals("valid")
                && m.path("state").asText().equals("alive"), "C alive at A with the new certificate");
        await(b, cId, alive(), "C alive at B");
    }

    @Test
    void revokingAnAdminAsksFirstThenCutsOffItsMembersUntilTheOwnerReadmitsThem() throws Exception {
        NodeHarness[] n = founderAdminAndItsMember();
        NodeHarness a = n[0];
        NodeHarness b = n[1];
        NodeHarness c = n[2];
        AtmosphereException asks = assertThrows(AtmosphereException.class, () -> a.node.meshRevoke(id(b), false));
        assertTrue(asks.getMessage().contains(id(c)) && asks.getMessage().contains("--yes")
                && asks.getMessage().contains("mesh admin " + id(b) + " --remove"), asks.getMessage());
        assertEquals(List.of(), a.node.mesh().revoked().orElse(List.of()), "nothing revoked without --yes");

        var revoked = a.node.meshRevoke(id(b), true);
        assertEquals(List.of(id(c)), revoked.cutOff());
        await(a, id(c), m -> m.path("certificate").asText().equals("cut-off"), "C cut off at A");
        // C learns it and asks the founder to re-admit it; the owner approves
        NodeHarness.awaitTrue(() -> a.node.meshPending().stream().anyMatch(p -> id(c).equals(p.nodeId())), "C asks A for re-admission");
        a.node.meshDecide(id(c), false);
        await(c, id(c), m -> m.path("admittedBy").asText().isEmpty() && m.path("certificate").asText().equals("valid"), "C re-admitted");
        await(a, id(c), m -> m.path("certificate").asText().equals("valid") && m.path("state").asText().equals("alive"),
                "C alive at A again");
        assertEquals("left", member(a, id(b)).path("state").asText());
    }
}
