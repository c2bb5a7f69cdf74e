package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an admin's signature is worth, as the mesh key's roster of roles says. */
class AdminRolesTest {

    @TempDir
    Path dir;

    private KeyPair mesh;
    private X509Certificate root;
    private final Identity founder = Identity.generate("founder");
    private final Identity alice = Identity.generate("alice");
    private final Identity bob = Identity.generate("bob");
    private final Identity member = Identity.generate("member");
    private X509Certificate aliceAdmin;
    private X509Certificate bobAdmin;

    @BeforeEach
    void mesh() throws Exception {
        mesh = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        root = MeshCertificates.root(mesh.getPublic(), mesh.getPrivate(), "home");
        aliceAdmin = MeshCertificates.admin(root, mesh.getPrivate(), alice.publicKey(), Duration.ofDays(1));
        bobAdmin = MeshCertificates.admin(root, mesh.getPrivate(), bob.publicKey(), Duration.ofDays(1));
    }

    /** The founder's roster with both admins, copied into a node's mesh folder. */
    private MeshRoles.Roster bothAdmins() {
        MeshRoles founderRoles = new MeshRoles(dir.resolve("founder"));
        founderRoles.grant(root, mesh.getPrivate(), founder.nodeId(), alice.nodeId());
        return founderRoles.grant(root, mesh.getPrivate(), founder.nodeId(), bob.nodeId());
    }

    @Test
    void anAdminCannotRevokeTheFounderOrAnotherAdminAnywhereButMayRevokeAMember() {
        MeshRoles.Roster roster = bothAdmins();
        Revocations atAlice = new Revocations(dir.resolve("alice"));
        atAlice.roles().offer(roster, root);
        for (String protectedNode : List.of(founder.nodeId(), bob.nodeId())) {
            MeshSecurityException e = assertThrows(MeshSecurityException.class,
                    () -> atAlice.revokeAsAdmin(root, aliceAdmin, alice, protectedNode));
            assertEquals(MeshSecurityException.Reason.NOT_AUTHORIZED, e.reason());
            assertTrue(e.getMessage().contains("only the mesh key"), e.getMessage());
        }
        assertTrue(atAlice.revoked().isEmpty(), "nothing stored");

        // a hostile admin's node skips its own check: every other node (and a relay) still refuses, by the roster it carries
        Revocations.Revocation ofFounder = signedBy(alice, aliceAdmin, founder.nodeId(), Instant.now(), Json.write(roster));
        Revocations elsewhere = new Revocations(dir.resolve("elsewhere"));
        assertEquals(MeshSecurityException.Reason.NOT_AUTHORIZED,
                assertThrows(MeshSecurityException.class, () -> elsewhere.accept(ofFounder, root)).reason());
        assertEquals(MeshSecurityException.Reason.NOT_AUTHORIZED, assertThrows(MeshSecurityException.class,
                () -> Revocations.check(ofFounder, root, Set.of())).reason(), "the relay's check");
        // ... and where no roster is known, an admin's revocation without one counts for nothing
        Revocations.Revocation bare = signedBy(alice, aliceAdmin, member.nodeId(), Instant.now(), "");
        assertEquals(MeshSecurityException.Reason.NOT_AUTHORIZED,
                assertThrows(MeshSecurityException.class, () -> new Revocations(dir.resolve("new")).accept(bare, root)).reason());

        // a plain member: revoked, and the roster travelled with the revocation
        Revocations.Revocation ofMember = atAlice.revokeAsAdmin(root, aliceAdmin, alice, member.nodeId());
        elsewhere.accept(ofMember, root);
        assertEquals(Set.of(member.nodeId()), elsewhere.revoked());
        assertEquals(roster.version(), elsewhere.roles().current().orElseThrow().version());
        // the mesh key may revoke an admin
        elsewhere.revokeAsFounder(root, mesh.getPrivate(), bob.nodeId());
        assertTrue(elsewhere.revoked().contains(bob.nodeId()));
    }

    @Test
    void aNodeWhoseRosterLaggedDropsAnAdminsRevocationOfAnAdminOnceTheNewerRosterArrives() {
        MeshRoles founderRoles = new MeshRoles(dir.resolve("founder"));
        MeshRoles.Roster onlyAlice = founderRoles.grant(root, mesh.getPrivate(), founder.nodeId(), alice.nodeId());
        // alice revokes bob with the roster from before bob became an admin
        Revocations.Revocation ofBob = signedBy(alice, aliceAdmin, bob.nodeId(), Instant.now(), Json.write(onlyAlice));
        Revocations lagging = new Revocations(dir.resolve("lagging"));
        lagging.accept(ofBob, root);
        assertTrue(lagging.revoked().contains(bob.nodeId()));
        MeshRoles.Roster withBob = founderRoles.grant(root, mesh.getPrivate(), founder.nodeId(), bob.nodeId());
        assertEquals(List.of(bob.nodeId()), lagging.takeRoles(withBob, root));
        assertFalse(lagging.revoked().contains(bob.nodeId()));
        assertFalse(new Revocations(dir.resolve("lagging")).revoked().contains(bob.nodeId()), "persisted");
        assertEquals(List.of(), lagging.takeRoles(onlyAlice, root), "an older roster changes nothing");
        assertEquals(withBob.version(), lagging.roles().current().orElseThrow().version());
    }

    @Test
    void aRemovedAdminsSignaturesCountOnlyFromBeforeItsRetirement() throws Exception {
        MeshRoles founderRoles = new MeshRoles(dir.resolve("founder"));
        founderRoles.grant(root, mesh.getPrivate(), founder.nodeId(), alice.nodeId());
        // a member alice admitted while she was an admin
        X509Certificate before = MeshCertificates.member(aliceAdmin, alice.privateKey(), member.publicKey(), Duration.ofDays(1));
        Revocations.Revocation earlier = signedBy(alice, aliceAdmin, Identity.generate("x").nodeId(), Instant.now().minusSeconds(60),
                Json.write(founderRoles.current().orElseThrow()));
        // retired as of a minute from now: all of the above was signed before
        MeshRoles.Roster retired = founderRoles.retire(root, mesh.getPrivate(), founder.nodeId(), alice.nodeId(), Instant.now().plusSeconds(60));
        assertFalse(retired.isProtected(alice.nodeId()), "a member again");

        MeshCertificates.Withdrawn withdrawn = new MeshCertificates.Withdrawn(Set.of(), retired.retiredAdmins());
        assertEquals(member.nodeId(), MeshCertificates.verify(List.of(before, aliceAdmin), root, withdrawn, Instant.now()),
                "what she signed before stays valid");
        // retired as of a second ago: what she signs now comes after
        MeshRoles.Roster now = founderRoles.retire(root, mesh.getPrivate(), founder.nodeId(), alice.nodeId(), Instant.now().minusSeconds(1));
        MeshCertificates.Withdrawn since = new MeshCertificates.Withdrawn(Set.of(), now.retiredAdmins());
        X509Certificate after = MeshCertificates.member(aliceAdmin, alice.privateKey(), Identity.generate("late").publicKey(), Duration.ofDays(1));
        MeshSecurityException e = assertThrows(MeshSecurityException.class,
                () -> MeshCertificates.verify(List.of(after, aliceAdmin), root, since, Instant.now()));
        assertEquals(MeshSecurityException.Reason.REVOKED, e.reason());
        assertTrue(e.getMessage().contains("after its admin role was removed"), e.getMessage());

        Revocations node = new Revocations(dir.resolve("node"));
        node.roles().offer(now, root);
        Revocations.Revocation late = signedBy(alice, aliceAdmin, Identity.generate("y").nodeId(), Instant.now(), Json.write(now));
        assertEquals(MeshSecurityException.Reason.NOT_AUTHORIZED, assertThrows(MeshSecurityException.class, () -> node.accept(late, root)).reason());
        node.accept(earlier, root); // signed before the retirement: still good
        assertTrue(node.revoked().contains(earlier.node()));
        assertEquals("member", RoleProofs.proven("admin", java.util.Base64.getEncoder().encodeToString(aliceAdmin.getEncoded()), alice.nodeId(),
                root, node.withdrawn(), Instant.now()), "her admin certificate no longer proves the role");
    }

    @Test
    void aRosterTheMeshKeyDidNotSignIsRefused() throws Exception {
        MeshRoles.Roster real = bothAdmins();
        MeshRoles.Roster grown = new MeshRoles.Roster(real.meshId(), real.version() + 1, real.founder(),
                List.of(alice.nodeId(), bob.nodeId(), member.nodeId()), List.of(), real.signature());
        MeshRoles node = new MeshRoles(dir.resolve("node"));
        assertEquals(MeshSecurityException.Reason.FORGED, assertThrows(MeshSecurityException.class, () -> node.offer(grown, root)).reason());
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        X509Certificate otherRoot = MeshCertificates.root(other.getPublic(), other.getPrivate(), "other");
        assertEquals(MeshSecurityException.Reason.WRONG_MESH, assertThrows(MeshSecurityException.class, () -> node.offer(real, otherRoot)).reason());
        assertTrue(node.offer(real, root));
        assertEquals(Optional.of(real), new MeshRoles(dir.resolve("node")).current(), "persisted");
    }

    @Test
    void aMembershipStandsByWhatBecameOfItsAdmitter() {
        MeshCertificates.Withdrawn w = new MeshCertificates.Withdrawn(Set.of(bob.nodeId()), Map.of(alice.nodeId(), Instant.now()));
        assertEquals(Memberships.Standing.VALID, Memberships.standing("", w));
        assertEquals(Memberships.Standing.REISSUE_PENDING, Memberships.standing(alice.nodeId(), w));
        assertEquals(Memberships.Standing.CUT_OFF, Memberships.standing(bob.nodeId(), w));
        assertEquals("reissue-pending", Memberships.Standing.REISSUE_PENDING.shown());
    }

    private Revocations.Revocation signedBy(Identity admin, X509Certificate cert, String node, Instant at, String roster) {
        try {
            byte[] statement = ("revoke|" + MeshCertificates.meshIdOf(root) + "|" + node + "|" + at).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return new Revocations.Revocation(node, at.toString(), admin.nodeId(), java.util.Base64.getEncoder().encodeToString(cert.getEncoded()),
                    java.util.Base64.getEncoder().encodeToString(admin.sign(statement)), roster);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
