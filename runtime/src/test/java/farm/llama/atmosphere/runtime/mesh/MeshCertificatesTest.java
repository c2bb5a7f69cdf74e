package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import farm.llama.atmosphere.runtime.identity.Identity;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MeshCertificatesTest {

    private static KeyPair ed25519() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    private final Instant now = Instant.now();

    @Test
    void membersAdmittedByTheFounderOrAnAdminVerify() throws Exception {
        KeyPair mesh = ed25519();
        X509Certificate root = MeshCertificates.root(mesh.getPublic(), mesh.getPrivate(), "home");
        String meshId = MeshCertificates.meshId(mesh.getPublic());
        assertEquals(Identity.nodeIdOf(Identity.rawPublicKey(mesh.getPublic())), meshId);
        assertEquals(meshId, MeshCertificates.meshIdOf(root));

        KeyPair laptop = ed25519();
        X509Certificate member = MeshCertificates.member(root, mesh.getPrivate(), laptop.getPublic(), Duration.ofDays(30));
        String laptopId = Identity.nodeIdOf(Identity.rawPublicKey(laptop.getPublic()));
        assertEquals(laptopId, MeshCertificates.verify(List.of(member), root, Set.of(), now));

        KeyPair adminNode = ed25519();
        X509Certificate admin = MeshCertificates.admin(root, mesh.getPrivate(), adminNode.getPublic(), Duration.ofDays(365));
        KeyPair phone = ed25519();
        X509Certificate byAdmin = MeshCertificates.member(admin, adminNode.getPrivate(), phone.getPublic(), Duration.ofDays(30));
        assertEquals(Identity.nodeIdOf(Identity.rawPublicKey(phone.getPublic())),
                MeshCertificates.verify(List.of(byAdmin, admin), root, Set.of(), now), "admins admit members while the founder is away");
    }

    @Test
    void forgedWrongMeshRevokedExpiredAndOverreachingChainsAreRefusedWithTheirReason() throws Exception {
        KeyPair mesh = ed25519();
        X509Certificate root = MeshCertificates.root(mesh.getPublic(), mesh.getPrivate(), "home");
        KeyPair node = ed25519();

        // forged: a self-made "mesh" with the same name but another key
        KeyPair fake = ed25519();
        X509Certificate fakeRoot = MeshCertificates.root(fake.getPublic(), fake.getPrivate(), "home");
        X509Certificate forged = MeshCertificates.member(fakeRoot, fake.getPrivate(), node.getPublic(), Duration.ofDays(1));
        MeshSecurityException wrong = assertThrows(MeshSecurityException.class,
                () -> MeshCertificates.verify(List.of(forged), root, Set.of(), now));
        assertEquals(MeshSecurityException.Reason.WRONG_MESH, wrong.reason());

        X509Certificate member = MeshCertificates.member(root, mesh.getPrivate(), node.getPublic(), Duration.ofDays(1));
        String nodeId = MeshCertificates.nodeIdOf(member);
        assertEquals(MeshSecurityException.Reason.REVOKED, assertThrows(MeshSecurityException.class,
                () -> MeshCertificates.verify(List.of(member), root, Set.of(nodeId), now)).reason());
        assertEquals(MeshSecurityException.Reason.EXPIRED, assertThrows(MeshSecurityException.class,
                () -> MeshCertificates.verify(List.of(member), root, Set.of(), now.plus(Duration.ofDays(2)))).reason());

        // a member cannot admit others
        KeyPair other = ed25519();
        assertEquals(MeshSecurityException.Reason.NOT_AUTHORIZED, assertThrows(MeshSecurityException.class,
                () -> MeshCertificates.member(member, node.getPrivate(), other.getPublic(), Duration.ofDays(1))).reason());

        // an admin cannot make admins (path length 0): a chain through a second-level CA is refused
        KeyPair admin = ed25519();
        X509Certificate adminCert = MeshCertificates.admin(root, mesh.getPrivate(), admin.getPublic(), Duration.ofDays(1));
        KeyPair sub = ed25519();
        X509Certificate subAdmin = MeshCertificates.admin(adminCert, admin.getPrivate(), sub.getPublic(), Duration.ofDays(1));
        X509Certificate viaSub = MeshCertificates.member(subAdmin, sub.getPrivate(), other.getPublic(), Duration.ofDays(1));
        MeshSecurityException tooLong = assertThrows(MeshSecurityException.class,
                () -> MeshCertificates.verify(List.of(viaSub, subAdmin, adminCert), root, Set.of(), now));
        assertEquals(MeshSecurityException.Reason.NOT_AUTHORIZED, tooLong.reason(), tooLong.getMessage());

        // a revoked admin's members are cut off too
        X509Certificate byAdmin = MeshCertificates.member(adminCert, admin.getPrivate(), other.getPublic(), Duration.ofDays(1));
        assertEquals(MeshSecurityException.Reason.REVOKED, assertThrows(MeshSecurityException.class,
                () -> MeshCertificates.verify(List.of(byAdmin, adminCert), root, Set.of(MeshCertificates.nodeIdOf(adminCert)), now)).reason());

        // a tampered certificate does not verify
        byte[] der = member.getEncoded();
        der[der.length - 10] ^= 1;
        X509Certificate tampered = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(der));
        assertEquals(MeshSecurityException.Reason.FORGED, assertThrows(MeshSecurityException.class,
                () -> MeshCertificates.verify(List.of(tampered), root, Set.of(), now)).reason());
    }
}
