package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.EnvelopeCodec;
import farm.llama.atmosphere.runtime.mesh.Invites;
import farm.llama.atmosphere.runtime.mesh.MeshCertificates;
import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.runtime.mesh.MeshTls;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage;
import farm.llama.atmosphere.runtime.util.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on a running node's mesh port over real sockets, with the JDK's own WebSocket client as
 * the attacker: each is refused, counted in {@code GET /api/v1/mesh/stats}, and leaves nothing in
 * the member list.
 */
class MeshSecurityTest {

    private static final String FAKE = "0123456789abcdef";

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();
    private NodeHarness a;
    private NodeHarness b;
    private String endpoint;
    private X509Certificate root;
    private Identity bIdentity;
    private X509Certificate bCert;

    @BeforeEach
    void mesh() throws Exception {
        a = new NodeHarness(dir.resolve("a"), MeshTest.meshConfig(MeshTest.freePort(), ""));
        open.add(a);
        b = new NodeHarness(dir.resolve("b"), MeshTest.meshConfig(MeshTest.freePort(), ""));
        open.add(b);
        a.node.meshCreate("guarded");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        b.node.meshJoin(a.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(b.node.meshJoinStatus().state().wire()), "B joined");
        endpoint = String.valueOf(((List<?>) a.node.mesh().endpoints().orElse(List.of())).get(0));
        DataDir bData = new DataDir(dir.resolve("b").resolve("data"));
        bIdentity = Identity.load(bData.identityFile());
        bCert = new MeshStore(bData).member();
        root = new MeshStore(bData).root();
    }


    /** A WebSocket to A's mesh port. */
    private final class Attacker extends MeshAttacker {
        Attacker(SSLContext tls) throws Exception {
            super(endpoint, tls);
        }
    }

    private long counter(String group, String name) {
        return a.node.meshStats().get(group).getOrDefault(name, 0L);
    }

    private void awaitCounter(String group, String name, long atLeast) throws InterruptedException {
        NodeHarness.awaitTrue(() -> counter(group, name) >= atLeast, group + "." + name + " >= " + atLeast);
    }

    private boolean aKnows(String nodeId) {
        return a.node.meshMembers().stream().anyMatch(m -> nodeId.equals(m.nodeId()));
    }

    private byte[] fakeMemberGossip(EnvelopeCodec codec, String from) {
        SwimMessage msg = new SwimMessage(SwimMessage.Kind.GOSSIP, from, a.node.status().nodeId(), 0, "",
                List.of(new SwimMessage.Update(FAKE, 1, MemberState.ALIVE, 1, "wss://10.66.66.66:11452")));
        return codec.seal(a.node.status().nodeId(), "swim", Json.write(msg).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void forgedTamperedReplayedAndForeignEnvelopesAreRefusedCountedAndLeaveNoTrace() throws Exception {
        SSLContext asB = MeshTls.member(bIdentity, List.of(bCert), root, () -> farm.llama.atmosphere.runtime.mesh.MeshCertificates.Withdrawn.NONE, Clock.systemUTC(), e -> { });
        EnvelopeCodec codec = new EnvelopeCodec(bIdentity, List.of(bCert), Clock.systemUTC());
        try (Attacker x = new Attacker(asB)) {
            byte[] forged = fakeMemberGossip(codec, bIdentity.nodeId());
            forged[forged.length - 1] ^= 1; // the signature
            x.send(forged);
            awaitCounter("messages", "forged", 1);

            byte[] tampered = fakeMemberGossip(codec, bIdentity.nodeId());
            String text = new String(tampered, StandardCharsets.ISO_8859_1);
            int at = text.indexOf("10.66.66.66");
            tampered[at] = '9'; // the content, after signing
            x.send(tampered);
            awaitCounter("messages", "forged", 2);

            byte[] once = codec.seal(a.node.status().nodeId(), "profile.get", new byte[0]);
            x.send(once);
            x.send(once);
            awaitCounter("messages", "replayed", 1);
        }
        // a member of another mesh, over a link without a client certificate
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        X509Certificate otherRoot = MeshCertificates.root(other.getPublic(), other.getPrivate(), "other");
        Identity stranger = Identity.generate("stranger");
        X509Certificate strangerCert = MeshCertificates.member(otherRoot, other.getPrivate(), stranger.publicKey(), Duration.ofDays(1));
        try (Attacker x = new Attacker(MeshTls.joiner(root, Clock.systemUTC()))) {
            x.send(fakeMemberGossip(new EnvelopeCodec(stranger, List.of(strangerCert), Clock.systemUTC()), stranger.nodeId()));
            awaitCounter("messages", "wrong_mesh", 1);
        }
        assertFalse(aKnows(FAKE), "no forged member entered A's member list");
        assertFalse(aKnows(stranger.nodeId()));
        JsonNode stats = NodeHarness.json(a.get("/api/v1/mesh/stats").body());
        assertTrue(stats.path("messages").path("forged").asLong() >= 2, stats.toString());
    }

    @Test
    void aNonMemberAndARevokedMemberAreRefusedAtTheHandshake() throws Exception {
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        X509Certificate otherRoot = MeshCertificates.root(other.getPublic(), other.getPrivate(), "other");
        Identity stranger = Identity.generate("stranger");
        X509Certificate strangerCert = MeshCertificates.member(otherRoot, other.getPrivate(), stranger.publicKey(), Duration.ofDays(1));
        SSLContext strangerTls = MeshTls.member(stranger, List.of(strangerCert), root, () -> farm.llama.atmosphere.runtime.mesh.MeshCertificates.Withdrawn.NONE, Clock.systemUTC(), e -> { });
        assertThrows(Exception.class, () -> {
            try (Attacker x = new Attacker(strangerTls)) {
                x.send("{}".getBytes(StandardCharsets.UTF_8));
                x.answer();
            }
        });
        awaitCounter("links", "wrong_mesh", 1);

        String bId = bIdentity.nodeId();
        NodeHarness.awaitTrue(() -> a.node.meshMembers().stream().anyMatch(m -> bId.equals(m.nodeId()) && "alive".equals(m.state())),
                "B alive at A");
        a.node.meshRevoke(bId, false);
        SSLContext asB = MeshTls.member(bIdentity, List.of(bCert), root, () -> farm.llama.atmosphere.runtime.mesh.MeshCertificates.Withdrawn.NONE, Clock.systemUTC(), e -> { });
        assertThrows(Exception.class, () -> {
            try (Attacker x = new Attacker(asB)) {
                x.send("{}".getBytes(StandardCharsets.UTF_8));
                x.answer();
            }
        });
        awaitCounter("links", "revoked", 1);
        assertEquals("left", a.node.meshMembers().stream().filter(m -> bId.equals(m.nodeId())).findFirst().orElseThrow().state());
    }

    private static String proof(Identity joiner, String meshId, String inviteId, String at) {
        return Base64.getEncoder().encodeToString(joiner.sign(("join|" + meshId + "|" + inviteId + "|" + joiner.nodeId() + "|" + at)
                .getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] joinFrame(String token, Identity joiner, String proof, String at) {
        Map<String, Object> request = Map.of("token", token, "nodeId", joiner.nodeId(), "name", joiner.name(),
                "publicKey", joiner.publicKeyBase64(), "at", at, "proof", proof);
        return Json.write(Map.of("type", "join", "protocol", farm.llama.atmosphere.runtime.mesh.Envelope.VERSION, "request", request,
                "endpoint", "wss://127.0.0.1:1")).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aJoinersNameReachesTheOwnerTerminalSafeAndShort() throws Exception {
        String meshId = String.valueOf(a.node.mesh().meshId().orElse(null));
        Identity joiner = Identity.generate("joiner");
        String now = Instant.now().toString();
        // an OSC 52 clipboard write in the name, and far more than 64 characters
        Map<String, Object> request = Map.of("token", "", "nodeId", joiner.nodeId(), "name", "\u001b]52;c;ZXZpbA==\u0007" + "n".repeat(100),
                "publicKey", joiner.publicKeyBase64(), "at", now, "proof", proof(joiner, meshId, "", now));
        try (Attacker x = new Attacker(MeshTls.joiner(root, Clock.systemUTC()))) {
            x.send(Json.write(Map.of("type", "join", "protocol", farm.llama.atmosphere.runtime.mesh.Envelope.VERSION, "request", request,
                    "endpoint", "wss://127.0.0.1:1")).getBytes(StandardCharsets.UTF_8));
            assertEquals("pending", x.answer().path("status").asText());
        }
        Object name = a.node.meshPending().stream().filter(p -> joiner.nodeId().equals(p.nodeId())).findFirst().orElseThrow().name();
        assertEquals("]52;c;ZXZpbA==" + "n".repeat(50), name);
    }

    @Test
    void joinsWithAnExpiredOrSpentInviteOrWithoutProofAreRefusedAndCounted() throws Exception {
        String meshId = String.valueOf(a.node.mesh().meshId().orElse(null));
        SSLContext joinerTls = MeshTls.joiner(root, Clock.systemUTC());

        String shortToken = a.node.meshInvite(Duration.ofSeconds(1), 1).token();
        Invites.Token shortInvite = Invites.verify(shortToken, Instant.now());
        String shortId = shortInvite.id();
        while (Instant.now().getEpochSecond() <= shortInvite.expiresAt().getEpochSecond()) { // expiry has whole seconds
            Thread.sleep(50);
        }
        Identity late = Identity.generate("late");
        String now = Instant.now().toString();
        try (Attacker x = new Attacker(joinerTls)) {
            x.send(joinFrame(shortToken, late, proof(late, meshId, shortId, now), now));
            JsonNode answer = x.answer();
            assertEquals("refused", answer.path("status").asText());
            assertEquals("expired", answer.path("reason").asText(), answer.toString());
        }
        assertEquals(1, counter("joins", "refused_expired"));

        String token = a.node.meshInvite(Duration.ofMinutes(5), 1).token();
        String inviteId = Invites.verify(token, Instant.now()).id();
        Identity first = Identity.generate("first");
        Identity second = Identity.generate("second");
        Identity thief = Identity.generate("thief");
        try (Attacker x = new Attacker(joinerTls)) {
            // a request whose proof was made by another key
            now = Instant.now().toString();
            x.send(joinFrame(token, thief, proof(Identity.generate("someone-else"), meshId, inviteId, now), now));
            assertEquals("forged", x.answer().path("reason").asText());
            now = Instant.now().toString();
            x.send(joinFrame(token, first, proof(first, meshId, inviteId, now), now));
            assertEquals("granted", x.answer().path("status").asText());
            now = Instant.now().toString();
            x.send(joinFrame(token, second, proof(second, meshId, inviteId, now), now));
            JsonNode spent = x.answer();
            assertEquals("replayed", spent.path("reason").asText(), spent.toString());
        }
        assertEquals(1, counter("joins", "refused_forged"));
        assertEquals(1, counter("joins", "refused_replayed"));

        // a joiner of another protocol version (version 2 sent no protocol field) is refused, both versions named
        String token2 = a.node.meshInvite(Duration.ofMinutes(5), 1).token();
        String invite2 = Invites.verify(token2, Instant.now()).id();
        Identity older = Identity.generate("older");
        try (Attacker x = new Attacker(joinerTls)) {
            now = Instant.now().toString();
            Map<String, Object> request = Map.of("token", token2, "nodeId", older.nodeId(), "name", older.name(),
                    "publicKey", older.publicKeyBase64(), "at", now, "proof", proof(older, meshId, invite2, now));
            x.send(Json.write(Map.of("type", "join", "request", request, "endpoint", "wss://127.0.0.1:1")).getBytes(StandardCharsets.UTF_8));
            JsonNode answer = x.answer();
            assertEquals("version", answer.path("reason").asText(), answer.toString());
            assertTrue(answer.path("error").asText().contains("protocol version 2")
                    && answer.path("error").asText().contains("version " + farm.llama.atmosphere.runtime.mesh.Envelope.VERSION), answer.toString());
        }
        assertFalse(aKnows(older.nodeId()));
        assertFalse(aKnows(thief.nodeId()));
        assertFalse(aKnows(second.nodeId()));
        assertTrue(aKnows(first.nodeId()));
    }
}
