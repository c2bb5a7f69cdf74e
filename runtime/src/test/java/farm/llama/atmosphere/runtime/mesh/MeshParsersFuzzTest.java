package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Fuzz;
import farm.llama.atmosphere.runtime.util.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every parser of bytes a stranger or member sends to the mesh, fuzzed: it accepts or refuses with
 * its documented error, never anything else, and never allocates far beyond its input.
 */
class MeshParsersFuzzTest {

    @TempDir
    Path dir;

    private KeyPair mesh;
    private X509Certificate root;
    private Identity alice;
    private EnvelopeCodec codec;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @BeforeEach
    void mesh() throws Exception {
        mesh = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        root = MeshCertificates.root(mesh.getPublic(), mesh.getPrivate(), "home");
        alice = Identity.generate("alice");
        X509Certificate cert = MeshCertificates.member(root, mesh.getPrivate(), alice.publicKey(), Duration.ofDays(30));
        codec = new EnvelopeCodec(alice, List.of(cert), Clock.systemUTC());
    }

    /** Found by the fuzzer: a certificate whose subject is not UTF-8 made the parsers throw IllegalArgumentException. */
    @Test
    void aCertificateWithAnUnreadableSubjectIsMalformed() throws Exception {
        byte[] der = MeshCertificates.member(root, mesh.getPrivate(), alice.publicKey(), Duration.ofDays(1)).getEncoded();
        byte[] marker = utf8("node:");
        int at = -1;
        for (int i = 0; i + marker.length <= der.length && at < 0; i++) {
            if (java.util.Arrays.equals(der, i, i + marker.length, marker, 0, marker.length)) {
                at = i;
            }
        }
        der[at + marker.length] = (byte) 0xff;
        X509Certificate broken = MeshCertificates.parse(der);
        MeshSecurityException e = org.junit.jupiter.api.Assertions.assertThrows(MeshSecurityException.class,
                () -> MeshCertificates.verify(List.of(broken), root, Set.of(), Instant.now()));
        org.junit.jupiter.api.Assertions.assertEquals(MeshSecurityException.Reason.MALFORMED, e.reason());
        // found by the fuzzer too: a key of another algorithm (the Ed25519 OID 1.3.101.112 turned into 1.3.101.116)
        byte[] other = MeshCertificates.member(root, mesh.getPrivate(), alice.publicKey(), Duration.ofDays(1)).getEncoded();
        byte[] oid = {0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21};
        for (int i = 0; i + oid.length <= other.length; i++) {
            if (java.util.Arrays.equals(other, i, i + oid.length, oid, 0, oid.length)) {
                other[i + 4] = 0x74;
            }
        }
        X509Certificate foreignKey = MeshCertificates.parse(other);
        org.junit.jupiter.api.Assertions.assertEquals(MeshSecurityException.Reason.MALFORMED, org.junit.jupiter.api.Assertions.assertThrows(
                MeshSecurityException.class, () -> MeshCertificates.verify(List.of(foreignKey), root, Set.of(), Instant.now())).reason());
        // and a revocation naming an admin without its certificate
        Revocations.Revocation bare = new Revocations.Revocation("0123456789abcdef", Instant.now().toString(), "", null, "AAAA", "");
        org.junit.jupiter.api.Assertions.assertEquals(MeshSecurityException.Reason.MALFORMED, org.junit.jupiter.api.Assertions.assertThrows(
                MeshSecurityException.class, () -> Revocations.check(bare, root, Set.of())).reason());
    }

    @Test
    void envelopes() {
        EnvelopeVerifier verifier = new EnvelopeVerifier(root, () -> MeshCertificates.Withdrawn.NONE, Clock.systemUTC(), Duration.ofMinutes(2));
        List<byte[]> valid = List.of(codec.seal("", "swim", utf8("{\"kind\":\"PING\"}")), codec.seal("0123456789abcdef", "profile", new byte[300]),
                codec.seal("", "roles", utf8("{}")));
        int n = Fuzz.run("envelope", valid, Set.of(MeshSecurityException.class), 4 << 20, verifier::verify);
        assertTrue(n >= Fuzz.SEEDS.length * Fuzz.CASES_PER_SEED);
    }

    @Test
    void inviteTokensLinksAndShortCodes() {
        DataDir data = new DataDir(dir.resolve("a"));
        NodeSetup.init(data, Optional.of("a"), false);
        MeshStore store = new MeshStore(data);
        store.create("home");
        Invites.Invite invite = new Invites(store.dir()).create(Identity.load(data.identityFile()), store, Duration.ofHours(1), 2,
                List.of("wss://10.0.0.5:11452"), List.of("wss://relay.example.net"));
        Fuzz.run("invite", List.of(utf8(invite.token()), utf8(invite.link())), Set.of(MeshSecurityException.class), 1 << 20,
                b -> Invites.verify(new String(b, StandardCharsets.UTF_8), Instant.now()));
        Fuzz.run("short code", List.of(utf8(invite.code()), utf8(invite.code().toLowerCase())), Set.of(), 1 << 20,
                b -> ShortCodes.parse(new String(b, StandardCharsets.UTF_8)));
        var sealed = ShortCodes.seal(invite.code(), "a".repeat(32), "b".repeat(32), invite.token());
        Fuzz.run("short-code answer", List.of(utf8(sealed.get("iv") + " " + sealed.get("ciphertext"))), Set.of(), 1 << 20, b -> {
            String[] parts = new String(b, StandardCharsets.UTF_8).split(" ", 2);
            ShortCodes.open(invite.code(), "a".repeat(32), "b".repeat(32), parts[0], parts.length > 1 ? parts[1] : "");
        });
    }

    @Test
    void messagesMembersAndJoinersSend() throws Exception {
        MeshRoles.Roster roster = new MeshRoles(dir.resolve("r")).found(root, mesh.getPrivate(), alice.nodeId());
        Revocations.Revocation revocation = Revocations.signAsFounder(root, mesh.getPrivate(), "0123456789abcdef");
        String join = Json.write(java.util.Map.of("type", "join", "protocol", Envelope.VERSION, "request",
                Joins.requestWithoutInvite(alice, MeshCertificates.meshIdOf(root), Instant.now()), "endpoint", "wss://127.0.0.1:1"));
        Set<Class<? extends Throwable>> refused = Set.of(MeshSecurityException.class, IllegalArgumentException.class,
                java.io.IOException.class);
        Fuzz.run("roster", List.of(utf8(Json.write(roster))), refused, 1 << 20,
                b -> MeshRoles.verify(Json.MAPPER.readValue(b, MeshRoles.Roster.class), root));
        Fuzz.run("revocation", List.of(utf8(Json.write(revocation))), refused, 1 << 20,
                b -> Revocations.check(Json.MAPPER.readValue(b, Revocations.Revocation.class), root, Set.of()));
        Fuzz.run("join request", List.of(utf8(join)), refused, 1 << 20, b -> {
            var msg = Json.parse(new String(b, StandardCharsets.UTF_8));
            Joins.Request r = Json.MAPPER.treeToValue(msg.path("request"), Joins.Request.class);
            if (r != null) {
                farm.llama.atmosphere.runtime.util.SafeText.name(r.name());
            }
        });
    }
}
