package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private final Clock clock = new Clock() {
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        public Instant instant() {
            return now.get();
        }
    };
    private KeyPair mesh;
    private X509Certificate root;
    private Identity alice;
    private EnvelopeCodec aliceCodec;
    private final Set<String> revoked = new HashSet<>();
    private EnvelopeVerifier verifier;

    @BeforeEach
    void setUp() throws Exception {
        mesh = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        root = MeshCertificates.root(mesh.getPublic(), mesh.getPrivate(), "home");
        alice = Identity.generate("alice");
        aliceCodec = codec(alice, root, mesh);
        verifier = new EnvelopeVerifier(root, () -> new MeshCertificates.Withdrawn(Set.copyOf(revoked), java.util.Map.of()), clock, Duration.ofMinutes(1));
    }

    private EnvelopeCodec codec(Identity who, X509Certificate issuer, KeyPair issuerKey) {
        X509Certificate cert = MeshCertificates.member(issuer, issuerKey.getPrivate(), who.publicKey(), Duration.ofDays(30));
        return new EnvelopeCodec(who, List.of(cert), clock);
    }

    private MeshSecurityException.Reason refusal(byte[] bytes) {
        return assertThrows(MeshSecurityException.class, () -> verifier.verify(bytes)).reason();
    }

    @Test
    void aSignedEnvelopeVerifiesOnceAndOnlyOnce() {
        byte[] sealed = aliceCodec.seal("", "swim", "hello".getBytes(StandardCharsets.UTF_8));
        EnvelopeVerifier.Verified v = verifier.verify(sealed);
        assertEquals(alice.nodeId(), v.sender());
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), v.envelope().payload());
        assertEquals(MeshSecurityException.Reason.REPLAYED, refusal(sealed));
    }

    @Test
    void forgedTamperedExpiredForeignSpoofedRevokedAndMalformedEnvelopesAreRefusedAndCounted() throws Exception {
        byte[] sealed = aliceCodec.seal("", "swim", "payload".getBytes(StandardCharsets.UTF_8));

        byte[] tampered = sealed.clone();
        tampered[sealed.length - 70] ^= 1;   // a payload byte
        assertEquals(MeshSecurityException.Reason.FORGED, refusal(tampered));

        byte[] badSig = sealed.clone();
        badSig[sealed.length - 1] ^= 1;
        assertEquals(MeshSecurityException.Reason.FORGED, refusal(badSig));

        byte[] old = aliceCodec.seal("", "swim", new byte[0]);
        now.set(now.get().plus(Duration.ofMinutes(5)));   // delivered five minutes later (window: one minute)
        assertEquals(MeshSecurityException.Reason.EXPIRED, refusal(old));
        now.set(Instant.now());

        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        X509Certificate otherRoot = MeshCertificates.root(other.getPublic(), other.getPrivate(), "home");
        EnvelopeCodec stranger = codec(Identity.generate("eve"), otherRoot, other);
        assertEquals(MeshSecurityException.Reason.WRONG_MESH, refusal(stranger.seal("", "swim", new byte[0])));

        // a member signing an envelope that claims to come from alice
        Identity mallory = Identity.generate("mallory");
        X509Certificate malloryCert = MeshCertificates.member(root, mesh.getPrivate(), mallory.publicKey(), Duration.ofDays(1));
        Envelope spoof = new Envelope(Envelope.VERSION, MeshCertificates.meshIdOf(root), alice.nodeId(), "", "swim",
                clock.millis(), new byte[16], List.of(malloryCert.getEncoded()), new byte[0]);
        byte[] body = EnvelopeCodec.body(spoof);
        byte[] sig = mallory.sign(EnvelopeCodec.signed(body, body.length));
        byte[] spoofed = Arrays.copyOf(body, body.length + 64);
        System.arraycopy(sig, 0, spoofed, body.length, 64);
        assertEquals(MeshSecurityException.Reason.FORGED, refusal(spoofed));

        verifier.verify(aliceCodec.seal("", "swim", new byte[0]));
        revoked.add(alice.nodeId());
        assertEquals(MeshSecurityException.Reason.REVOKED, refusal(aliceCodec.seal("", "swim", new byte[0])),
                "revocation applies even to a chain verified before");

        assertEquals(MeshSecurityException.Reason.MALFORMED, refusal("not an envelope at all".getBytes(StandardCharsets.UTF_8)));
        assertEquals(MeshSecurityException.Reason.MALFORMED, refusal(Arrays.copyOf(sealed, 40)));

        var stats = verifier.stats();
        assertEquals(1L, stats.get("accepted"));
        assertEquals(3L, stats.get("forged"));
        assertEquals(1L, stats.get("expired"));
        assertEquals(1L, stats.get("wrong_mesh"));
        assertEquals(1L, stats.get("revoked"));
        assertEquals(2L, stats.get("malformed"));
    }

    @Test
    void anEnvelopeIsTakenOnlyByItsRecipientAndNotFromBeforeItStarted() {
        String bob = Identity.generate("bob").nodeId();
        byte[] beforeStart = aliceCodec.seal(bob, "swim", new byte[0]);
        now.set(now.get().plusSeconds(1));
        EnvelopeVerifier atBob = new EnvelopeVerifier(root, () -> MeshCertificates.Withdrawn.NONE, clock, Duration.ofMinutes(1), java.util.Optional.of(bob), now.get());
        assertEquals(MeshSecurityException.Reason.REPLAYED, assertThrows(MeshSecurityException.class, () -> atBob.verify(beforeStart)).reason(),
                "a nonce seen before a restart is gone: what was stamped before the start is refused");
        assertEquals(MeshSecurityException.Reason.MISADDRESSED, assertThrows(MeshSecurityException.class,
                () -> atBob.verify(aliceCodec.seal("someone-else", "swim", new byte[0]))).reason());
        assertEquals(bob, atBob.verify(aliceCodec.seal(bob, "swim", new byte[0])).envelope().to());
        byte[] other = aliceCodec.seal(bob, "swim", new byte[0]);
        other[3] = (byte) (Envelope.VERSION - 1);
        MeshSecurityException e = assertThrows(MeshSecurityException.class, () -> atBob.verify(other));
        assertEquals(MeshSecurityException.Reason.VERSION, e.getMessage().contains("version " + (Envelope.VERSION - 1)) ? e.reason() : null,
                e.getMessage());
        assertTrue(e.getMessage().contains("version " + Envelope.VERSION), "names both versions: " + e.getMessage());
        now.set(Instant.now());
    }

    @Test
    void anUpdateTakesInAMessageExactlyTheBytesItCountsAgainstThePiggyBackBudget() {
        for (SwimMessage.Update u : List.of(new SwimMessage.Update("n00001", 1, MemberState.ALIVE, 0),
                new SwimMessage.Update("0123456789abcdef", 1733333333333L, MemberState.SUSPECT, 12, "wss://192.168.1.20:11452"),
                new SwimMessage.Update("0123456789abcdef", 7, MemberState.LEFT, 3, "relay:0123456789abcdef").signed(new byte[64]),
                new SwimMessage.Update("x", -1, MemberState.DEAD, 0, "").signed(new byte[65]))) {
            String one = farm.llama.atmosphere.runtime.util.Json.write(new SwimMessage(SwimMessage.Kind.GOSSIP, "a", "b", 0, "", List.of(u)));
            String none = farm.llama.atmosphere.runtime.util.Json.write(new SwimMessage(SwimMessage.Kind.GOSSIP, "a", "b", 0, "", List.of()));
            assertEquals(one.length() - none.length() + 1, u.wireSize(), u + ": " + one);
        }
    }

    @Test
    void aSealedEnvelopeOpensOnlyForItsRecipientAndHidesTypeAndPayload() {
        Identity bob = Identity.generate("bob");
        Identity eve = Identity.generate("eve");
        byte[] secret = "the sky is ultramarine".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = aliceCodec.seal(bob.nodeId(), "mesh.chat", secret, alice.agree(bob.publicKey()));
        String wire = new String(sealed, StandardCharsets.ISO_8859_1);
        org.junit.jupiter.api.Assertions.assertFalse(wire.contains("ultramarine") || wire.contains("mesh.chat"), "neither payload nor type in clear");
        EnvelopeVerifier.Verified v = verifier.verify(sealed);
        assertEquals(EnvelopeCodec.SEALED, v.envelope().type());
        Envelope opened = EnvelopeCodec.open(v.envelope(), bob.agree(alice.publicKey()));
        assertEquals("mesh.chat", opened.type());
        assertArrayEquals(secret, opened.payload());
        assertEquals(bob.nodeId(), opened.to());
        // another member's secret does not open it
        assertEquals(MeshSecurityException.Reason.FORGED, assertThrows(MeshSecurityException.class,
                () -> EnvelopeCodec.open(v.envelope(), eve.agree(alice.publicKey()))).reason());
        // a changed header (the associated data) or ciphertext does not open either, even past the signature
        Envelope e = v.envelope();
        Envelope otherType = new Envelope(e.version(), e.meshId(), e.from(), e.to(), "sealed2", e.timestamp(), e.nonce(), e.chain(), e.payload());
        assertThrows(MeshSecurityException.class, () -> EnvelopeCodec.open(otherType, bob.agree(alice.publicKey())));
        byte[] flipped = e.payload().clone();
        flipped[3] ^= 1;
        Envelope altered = new Envelope(e.version(), e.meshId(), e.from(), e.to(), e.type(), e.timestamp(), e.nonce(), e.chain(), flipped);
        assertThrows(MeshSecurityException.class, () -> EnvelopeCodec.open(altered, bob.agree(alice.publicKey())));
        // and on the wire, any flipped byte is refused by the signature first
        byte[] wireFlip = sealed.clone();
        wireFlip[wireFlip.length - 64 - 5] ^= 1;
        assertEquals(MeshSecurityException.Reason.FORGED, refusal(wireFlip));
    }
}
