package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.spi.transport.Link;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end sealing of envelopes that pass through a relay: each member's leaf certificate (from
 * a message it signed, else from the chain the relay vouched for, checked against the mesh root),
 * the X25519 secret shared with it (derived once per leaf), and counters of what was sealed,
 * opened, refused and not sent for want of a key. Thread-safe.
 */
final class Sealing {

    /** The X25519 secret shared with a member, for the leaf certificate it was derived from. */
    private record SharedKey(byte[] leaf, byte[] secret) {
    }

    private final Identity identity;
    private final X509Certificate root;
    private final Revocations revocations;
    private final Clock clock;
    private final Map<String, byte[]> leaves = new ConcurrentHashMap<>();
    private final Map<String, SharedKey> keys = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    /**
     * @param identity this node (its X25519 key)
     * @param root the mesh root
     * @param revocations the mesh's revocations
     * @param clock the clock
     */
    Sealing(Identity identity, X509Certificate root, Revocations revocations, Clock clock) {
        this.identity = identity;
        this.root = root;
        this.revocations = revocations;
        this.clock = clock;
    }

    /**
     * @param member a member
     * @param leafDer its leaf certificate, from an envelope it signed (verified)
     */
    void learned(String member, byte[] leafDer) {
        leaves.put(member, leafDer);
    }

    /**
     * @param member a member
     * @return its leaf certificate, if a message it signed was seen
     */
    Optional<byte[]> leaf(String member) {
        return Optional.ofNullable(leaves.get(member));
    }

    /**
     * @param member the recipient
     * @param link the link the message goes on (through a relay)
     * @return the secret to seal it with
     * @throws MeshSecurityException if the recipient's certificate is not known or does not verify
     */
    byte[] keyFor(String member, Link link) {
        return shared(member, recipientLeaf(member, link));
    }

    /** The recipient's leaf certificate: from a message it signed, else the chain the relay vouched for, checked here against the mesh root. */
    private byte[] recipientLeaf(String member, Link link) {
        byte[] der = leaves.get(member);
        if (der != null) {
            return der;
        }
        List<X509Certificate> presented = new ArrayList<>(link.peerCertificates());
        presented.removeIf(c -> MeshCertificates.same(c, root));
        if (presented.isEmpty()) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "no certificate of " + member + " is known yet");
        }
        String verified = MeshCertificates.verify(presented, root, revocations.withdrawn(), Instant.ofEpochMilli(clock.millis()));
        if (!verified.equals(member)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the relay vouched for " + verified + ", not " + member);
        }
        try {
            der = presented.get(0).getEncoded();
        } catch (CertificateEncodingException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "unreadable certificate of " + member);
        }
        leaves.putIfAbsent(member, der);
        return der;
    }

    /**
     * @param member a member
     * @param leafDer its leaf certificate
     * @return the X25519 secret shared with it, derived once per leaf certificate
     * @throws MeshSecurityException if the certificate's key cannot agree
     */
    byte[] shared(String member, byte[] leafDer) {
        SharedKey k = keys.get(member);
        if (k != null && Arrays.equals(k.leaf(), leafDer)) {
            return k.secret();
        }
        X509Certificate leaf = MeshCertificates.parse(leafDer);
        byte[] secret;
        try {
            secret = identity.agree(leaf.getPublicKey());
        } catch (IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, member + ": " + e.getMessage());
        }
        keys.put(member, new SharedKey(leafDer, secret));
        return secret;
    }

    /** @param what {@code sealed}, {@code opened}, {@code refused} or {@code no_key} */
    void count(String what) {
        counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    /** @return sealed messages sent, opened and refused, and messages not sent for want of the recipient's key */
    Map<String, Long> stats() {
        Map<String, Long> out = new TreeMap<>();
        for (String k : List.of("sealed", "opened", "refused", "no_key")) {
            out.put(k, counts.containsKey(k) ? counts.get(k).get() : 0L);
        }
        return out;
    }
}
