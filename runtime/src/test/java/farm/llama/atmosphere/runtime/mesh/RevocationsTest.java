package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.identity.Identity;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevocationsTest {

    @TempDir
    Path dir;

    @Test
    void founderAndAdminsRevokeMembersCannotAndForgeriesAreRefused() throws Exception {
        KeyPair mesh = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        X509Certificate root = MeshCertificates.root(mesh.getPublic(), mesh.getPrivate(), "home");
        Identity laptop = Identity.generate("laptop");
        X509Certificate laptopCert = MeshCertificates.member(root, mesh.getPrivate(), laptop.publicKey(), Duration.ofDays(1));

        Revocations founder = new Revocations(dir.resolve("a"));
        Revocations.Revocation r = founder.revokeAsFounder(root, mesh.getPrivate(), laptop.nodeId());
        assertTrue(founder.revoked().contains(laptop.nodeId()));
        assertEquals(MeshSecurityException.Reason.REVOKED, assertThrows(MeshSecurityException.class,
                () -> MeshCertificates.verify(List.of(laptopCert), root, founder.revoked(), Instant.now())).reason());
        assertEquals(Set.of(laptop.nodeId()), new Revocations(dir.resolve("a")).revoked(), "persisted");

        // another node receives it (gossip) and checks it against its pinned root
        Revocations peer = new Revocations(dir.resolve("b"));
        peer.accept(r, root);
        assertTrue(peer.revoked().contains(laptop.nodeId()));

        Identity admin = Identity.generate("admin");
        X509Certificate adminCert = MeshCertificates.admin(root, mesh.getPrivate(), admin.publicKey(), Duration.ofDays(1));
        Identity phone = Identity.generate("phone");
        new MeshRoles(dir.resolve("c")).grant(root, mesh.getPrivate(), laptop.nodeId(), admin.nodeId());
        Revocations.Revocation byAdmin = new Revocations(dir.resolve("c")).revokeAsAdmin(root, adminCert, admin, phone.nodeId());
        new Revocations(dir.resolve("d")).accept(byAdmin, root);

        // a member's certificate cannot sign revocations
        assertEquals(MeshSecurityException.Reason.NOT_AUTHORIZED, assertThrows(MeshSecurityException.class,
                () -> new Revocations(dir.resolve("e")).revokeAsAdmin(root, laptopCert, laptop, phone.nodeId())).reason());
        // a forged signature
        Revocations.Revocation forged = new Revocations.Revocation(phone.nodeId(), r.at(), "mesh", "", r.signature(), "");
        assertEquals(MeshSecurityException.Reason.FORGED, assertThrows(MeshSecurityException.class,
                () -> new Revocations(dir.resolve("f")).accept(forged, root)).reason());
    }
}
