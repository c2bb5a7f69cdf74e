package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Checks every envelope before its content may be used: the version, the mesh, the recipient
 * (an envelope names one, and is refused elsewhere: a member cannot replay another's request to a
 * third), the sender's certificate chain against the pinned mesh root, revocation, the timestamp
 * window, the nonce (replay; an envelope stamped before this node started is refused too, since its
 * nonce may have been seen by the node before it restarted), and the signature over every byte. Refusals are counted by reason. Verified
 * certificate chains are cached by fingerprint; revocation is checked on every message.
 * Thread-safe.
 */
public final class EnvelopeVerifier {

    /**
     * A verified message.
     *
     * @param envelope its envelope
     * @param sender the sender's verified node id
     */
    public record Verified(Envelope envelope, String sender) {
    }

    private final X509Certificate root;
    private final String meshId;
    private final Supplier<MeshCertificates.Withdrawn> revoked;
    private final Clock clock;
    private final Duration window;
    private final Optional<String> recipient;
    private final long notBefore;
    private final Map<String, KnownChain> verifiedChains = new ConcurrentHashMap<>();
    private final Map<String, Long> nonces = new ConcurrentHashMap<>();
    private final Map<MeshSecurityException.Reason, AtomicLong> refused = new EnumMap<>(MeshSecurityException.Reason.class);
    private final AtomicLong accepted = new AtomicLong();

    /**
     * A verifier for any recipient, with no start time (the simulator, tests of the envelope format).
     *
     * @param root the pinned mesh root
     * @param revoked the current revocations (node ids)
     * @param clock the clock
     * @param window how far a timestamp may be from now, either way; nonces are remembered this long
     */
    public EnvelopeVerifier(X509Certificate root, Supplier<MeshCertificates.Withdrawn> revoked, Clock clock, Duration window) {
        this(root, revoked, clock, window, Optional.empty(), Instant.EPOCH);
    }

    /**
     * @param root the pinned mesh root
     * @param revoked the current revocations (node ids)
     * @param clock the clock
     * @param window how far a timestamp may be from now, either way; nonces are remembered this long
     * @param recipient this node: envelopes for any other are refused ({@code misaddressed})
     * @param started when this node started: envelopes stamped earlier are refused as replays (the
     *                nonces seen before a restart are gone)
     */
    public EnvelopeVerifier(X509Certificate root, Supplier<MeshCertificates.Withdrawn> revoked, Clock clock, Duration window,
                            Optional<String> recipient, Instant started) {
        this.root = root;
        this.recipient = recipient;
        this.notBefore = started.toEpochMilli();
        this.meshId = MeshCertificates.meshIdOf(root);
        this.revoked = revoked;
        this.clock = clock;
        this.window = window;
        for (MeshSecurityException.Reason r : MeshSecurityException.Reason.values()) {
            refused.put(r, new AtomicLong());
        }
    }

    /**
     * @param bytes an envelope as received
     * @return the verified message
     * @throws MeshSecurityException why it was refused (and counted)
     */
    public Verified verify(byte[] bytes) {
        try {
            Verified v = check(bytes);
            accepted.incrementAndGet();
            return v;
        } catch (MeshSecurityException e) {
            refused.get(e.reason()).incrementAndGet();
            throw e;
        } catch (RuntimeException e) {
            // bytes that parse but whose parts do not (a certificate with a truncated key, say): refused, never thrown on
            refused.get(MeshSecurityException.Reason.MALFORMED).incrementAndGet();
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "an unreadable envelope: " + e);
        }
    }

    private Verified check(byte[] bytes) {
        EnvelopeCodec.Parsed parsed = EnvelopeCodec.parse(bytes);
        Envelope e = parsed.envelope();
        if (!e.meshId().equals(meshId)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH, "envelope for mesh " + e.meshId());
        }
        if (recipient.isPresent() && !recipient.get().equals(e.to())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MISADDRESSED, "envelope from " + e.from() + " is addressed to "
                    + (e.to().isEmpty() ? "nobody" : e.to()) + ", not this node");
        }
        long now = clock.millis();
        if (e.timestamp() < notBefore) {
            throw new MeshSecurityException(MeshSecurityException.Reason.REPLAYED, "envelope from " + e.from()
                    + " was stamped before this node started");
        }
        if (Math.abs(now - e.timestamp()) > window.toMillis()) {
            throw new MeshSecurityException(MeshSecurityException.Reason.EXPIRED,
                    "envelope from " + e.from() + " is " + (now - e.timestamp()) / 1000 + " s off this node's clock");
        }
        KnownChain known = chain(e);
        String sender = known.nodeId();
        if (!sender.equals(e.from())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "envelope claims to be from " + e.from()
                    + " but carries the certificate of " + sender);
        }
        byte[] signed = EnvelopeCodec.signed(bytes, parsed.signatureAt());
        byte[] sig = Arrays.copyOfRange(bytes, parsed.signatureAt(), bytes.length);
        if (!Identity.verify(known.leafKey(), signed, sig)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "bad signature on an envelope from " + e.from());
        }
        String nonce = e.from() + ":" + HexFormat.of().formatHex(e.nonce());
        if (nonces.putIfAbsent(nonce, e.timestamp()) != null) {
            throw new MeshSecurityException(MeshSecurityException.Reason.REPLAYED, "envelope from " + e.from() + " seen before");
        }
        if (nonces.size() > 100_000) {
            long cutoff = now - 2 * window.toMillis();
            nonces.values().removeIf(t -> t < cutoff);
        }
        return new Verified(e, sender);
    }

    /** A chain verified once: what each later message from it needs, without parsing it again. */
    private record KnownChain(String nodeId, PublicKey leafKey, List<String> nodeIds, long notAfter) {
    }

    /** Verifies the sender's chain (cached by fingerprint) and revocation. */
    private KnownChain chain(Envelope e) {
        if (e.chain().isEmpty()) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "envelope from " + e.from() + " carries no certificate");
        }
        String key = fingerprint(e.chain());
        KnownChain known = verifiedChains.get(key);
        MeshCertificates.Withdrawn rev = revoked.get();
        if (known != null && known.nodeIds().stream().skip(1).anyMatch(rev.retired()::containsKey)) {
            known = null; // signed by an admin since retired: checked again, with when it signed
        }
        if (known == null) {
            List<X509Certificate> certs = new ArrayList<>();
            for (byte[] der : e.chain()) {
                certs.add(certificate(der));
            }
            String nodeId = MeshCertificates.verify(certs, root, rev, Instant.ofEpochMilli(clock.millis()));
            long notAfter = certs.stream().mapToLong(c -> c.getNotAfter().getTime()).min().orElse(0);
            known = new KnownChain(nodeId, certs.get(0).getPublicKey(), certs.stream().map(MeshCertificates::nodeIdOf).toList(), notAfter);
            if (verifiedChains.size() > 10_000) {
                verifiedChains.clear();
            }
            verifiedChains.put(key, known);
            return known;
        }
        for (String id : known.nodeIds()) {
            if (rev.revoked().contains(id)) {
                throw new MeshSecurityException(MeshSecurityException.Reason.REVOKED, "node " + id + " was revoked");
            }
        }
        if (known.notAfter() < clock.millis()) {
            throw new MeshSecurityException(MeshSecurityException.Reason.EXPIRED, "certificate of " + known.nodeId() + " expired");
        }
        return known;
    }

    private static X509Certificate certificate(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "unreadable certificate in an envelope");
        }
    }

    private static String fingerprint(List<byte[]> chain) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] c : chain) {
                md.update(c);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return envelopes accepted and refused, by reason (for {@code GET /api/v1/mesh/stats}) */
    public Map<String, Long> stats() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("accepted", accepted.get());
        refused.forEach((r, n) -> m.put(r.name().toLowerCase(Locale.ROOT), n.get()));
        return m;
    }
}
