package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.identity.Identity;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinsTest {

    @TempDir
    Path dir;

    private record Node(Identity identity, MeshStore store) {
    }

    private Node node(String name) {
        DataDir data = new DataDir(dir.resolve(name));
        NodeSetup.init(data, Optional.of(name), false);
        return new Node(Identity.load(data.identityFile()), new MeshStore(data));
    }

    /** Makes n the founder of a new mesh. */
    private static Invites found(Node n, String mesh) {
        n.store().create(mesh);
        return new Invites(n.store().dir());
    }

    private static String invite(Invites invites, Node issuer, int uses) {
        return invites.create(issuer.identity(), issuer.store(), Duration.ofHours(1), uses, List.of(), List.of()).token();
    }

    private static MeshSecurityException.Reason refusal(Runnable r) {
        return assertThrows(MeshSecurityException.class, r::run).reason();
    }

    @Test
    void aJoinerWithAnInviteBecomesAMemberWhoseCertificateChainsToThePinnedRoot() {
        Node founder = node("founder");
        Invites invites = found(founder, "home");
        String token = invite(invites, founder, 1);
        Node laptop = node("laptop");

        Joins.Request request = Joins.request(laptop.identity(), token, Instant.now());
        Joins.Grant grant = Joins.admit(request, founder.identity(), founder.store(), invites, Set.of(), Instant.now());
        MeshStore.MeshInfo joined = Joins.accept(grant, token, laptop.identity(), laptop.store(), Instant.now());

        assertEquals(founder.store().info().orElseThrow().meshId(), joined.meshId());
        assertEquals("member", joined.role());
        assertEquals("home", joined.name());
        assertEquals(laptop.identity().nodeId(), MeshCertificates.verify(List.of(laptop.store().member()),
                founder.store().root(), Set.of(), Instant.now()));
        assertFalse(laptop.store().meshKey().isPresent(), "a member never holds the mesh key");

        Node phone = node("phone");
        assertEquals(MeshSecurityException.Reason.REPLAYED, refusal(() -> Joins.admit(Joins.request(phone.identity(), token, Instant.now()),
                founder.identity(), founder.store(), invites, Set.of(), Instant.now())), "a single-use invite admits one node");
    }

    @Test
    void stolenProofsRevokedNodesAndForeignGrantsAreRefused() {
        Node founder = node("founder");
        Invites invites = found(founder, "home");
        String token = invite(invites, founder, 5);
        Node laptop = node("laptop");
        Node eve = node("eve");

        // eve replays the laptop's request with her own key: the proof does not match
        Joins.Request real = Joins.request(laptop.identity(), token, Instant.now());
        Joins.Request stolen = new Joins.Request(real.token(), eve.identity().nodeId(), "eve", eve.identity().publicKeyBase64(),
                real.at(), real.proof());
        assertEquals(MeshSecurityException.Reason.FORGED, refusal(() ->
                Joins.admit(stolen, founder.identity(), founder.store(), invites, Set.of(), Instant.now())));
        // claiming another node's id with one's own key
        Joins.Request spoofed = new Joins.Request(real.token(), laptop.identity().nodeId(), "x", eve.identity().publicKeyBase64(),
                real.at(), real.proof());
        assertEquals(MeshSecurityException.Reason.FORGED, refusal(() ->
                Joins.admit(spoofed, founder.identity(), founder.store(), invites, Set.of(), Instant.now())));
        // an old request
        assertEquals(MeshSecurityException.Reason.EXPIRED, refusal(() -> Joins.admit(real, founder.identity(), founder.store(),
                invites, Set.of(), Instant.now().plus(Duration.ofMinutes(10)))));
        // a revoked node cannot come back with a fresh invite
        assertEquals(MeshSecurityException.Reason.REVOKED, refusal(() -> Joins.admit(real, founder.identity(), founder.store(),
                invites, Set.of(laptop.identity().nodeId()), Instant.now())));

        // a grant from another mesh is refused by the joiner: the invite pinned the root
        Node other = node("other");
        Invites otherInvites = found(other, "elsewhere");
        String otherToken = invite(otherInvites, other, 1);
        Joins.Grant foreign = Joins.admit(Joins.request(laptop.identity(), otherToken, Instant.now()), other.identity(),
                other.store(), otherInvites, Set.of(), Instant.now());
        assertEquals(MeshSecurityException.Reason.WRONG_MESH, refusal(() ->
                Joins.accept(foreign, token, laptop.identity(), laptop.store(), Instant.now())));
        assertFalse(laptop.store().info().isPresent(), "nothing stored after a refused grant");

        // a grant for another node
        Joins.Grant forEve = Joins.admit(Joins.request(eve.identity(), token, Instant.now()), founder.identity(), founder.store(),
                invites, Set.of(), Instant.now());
        assertEquals(MeshSecurityException.Reason.FORGED, refusal(() ->
                Joins.accept(forEve, token, laptop.identity(), laptop.store(), Instant.now())));
    }
}
