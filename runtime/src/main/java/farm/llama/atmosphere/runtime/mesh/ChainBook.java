package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.swim.Statements;
import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage;
import farm.llama.atmosphere.runtime.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The members' certificate chains and node keys as this node verified them — from their envelopes,
 * or asked of the member that passed on a statement by a signer not known yet — and the membership
 * statements checked against those keys ({@link Statements}): this node signs its own, a member's
 * statement passed on by another counts only if that member signed it. Thread-safe.
 */
final class ChainBook implements Statements {

    private static final System.Logger LOG = System.getLogger(ChainBook.class.getName());
    /** A signer's chain is asked for at most this often. */
    private static final long ASK_AGAIN_MILLIS = 2000;
    /** At most this many signers are remembered as asked for (older entries go first). */
    private static final int MAX_ASKED = 10_000;
    /** At most this many chains go in one answer. */
    private static final int MAX_ANSWERED = 32;

    /** Sends a message to a member. */
    @FunctionalInterface
    interface Sender {
        /**
         * @param to the member
         * @param type the message type
         * @param payload the content
         */
        void send(String to, String type, byte[] payload);
    }

    private final Identity identity;
    private final X509Certificate root;
    private final Revocations revocations;
    private final Clock clock;
    private final Sender sender;
    private final Consumer<String> firstSeen;
    private final Map<String, PublicKey> keys = new ConcurrentHashMap<>();
    private final Map<String, List<byte[]>> chains = new ConcurrentHashMap<>();
    /** The latest statement verified per member: the same one passed on again is not verified again. */
    private final Map<String, SwimMessage.Update> verified = new ConcurrentHashMap<>();
    private final Map<String, Long> asked = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();

    /**
     * @param identity this node
     * @param root the mesh root
     * @param revocations the mesh's revocations (a revoked member's chain is refused)
     * @param clock the clock
     * @param sender sends {@code chains.request} and {@code chains}
     * @param firstSeen told of a member whose chain this node learns for the first time
     */
    ChainBook(Identity identity, X509Certificate root, Revocations revocations, Clock clock, Sender sender, Consumer<String> firstSeen) {
        this.identity = identity;
        this.root = root;
        this.revocations = revocations;
        this.clock = clock;
        this.sender = sender;
        this.firstSeen = firstSeen;
        keys.put(identity.nodeId(), identity.publicKey());
    }

    @Override
    public byte[] sign(SwimMessage.Update own) {
        return identity.sign(Statements.signedBytes(own));
    }

    @Override
    public Check check(SwimMessage.Update u, String from) {
        if (u.sig().length == 0) {
            return Check.UNSIGNED;
        }
        if (u.equals(verified.get(u.node()))) {
            return Check.VALID;
        }
        PublicKey key = keys.get(u.node());
        if (key == null) {
            askFor(u.node(), from);
            return Check.UNKNOWN_SIGNER;
        }
        if (!Identity.verify(key, Statements.signedBytes(u), u.sig())) {
            return Check.FORGED;
        }
        verified.put(u.node(), u);
        return Check.VALID;
    }

    /** Asks the member that passed on a statement for the signer's certificate chain (at most every 2 s per signer). */
    private void askFor(String node, String from) {
        long now = clock.millis();
        Long last = asked.get(node);
        if (last != null && now - last < ASK_AGAIN_MILLIS || from.equals(identity.nodeId())) {
            return;
        }
        if (asked.size() > MAX_ASKED) {
            asked.values().removeIf(t -> now - t >= ASK_AGAIN_MILLIS);
        }
        asked.put(node, now);
        sender.send(from, "chains.request", Json.write(Map.of("nodes", List.of(node))).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Remembers a member's chain from a verified envelope (parsed only when its leaf changes).
     *
     * @param member the member
     * @param chain its chain, leaf first (DER)
     */
    void learn(String member, List<byte[]> chain) {
        List<byte[]> known = chains.get(member);
        if (known != null && Arrays.equals(known.get(0), chain.get(0))) {
            return;
        }
        if (known == null) {
            firstSeen.accept(member);
        }
        try {
            keys.put(member, MeshCertificates.parse(chain.get(0)).getPublicKey());
            chains.put(member, List.copyOf(chain));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "cannot read the certificate of " + member + ": " + e.getMessage());
        }
    }

    /**
     * Answers a member that asks for chains this node knows (at most 32).
     *
     * @param to the member
     * @param payload its request
     * @throws IOException if the request is not JSON
     */
    void answer(String to, byte[] payload) throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (var n : Json.MAPPER.readTree(payload).path("nodes")) {
            List<byte[]> c = chains.get(n.asText());
            if (c != null && out.size() < MAX_ANSWERED) {
                out.put(n.asText(), c.stream().map(Base64.getEncoder()::encodeToString).toList());
            }
        }
        if (!out.isEmpty()) {
            sender.send(to, "chains", Json.write(Map.of("chains", out)).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Takes chains a member sent after checking each against the mesh root and the revocations.
     *
     * @param from the member
     * @param payload the chains
     * @throws IOException if they are not JSON
     */
    void take(String from, byte[] payload) throws IOException {
        var all = Json.MAPPER.readTree(payload).path("chains");
        for (var it = all.fields(); it.hasNext(); ) {
            var e = it.next();
            String node = e.getKey();
            if (keys.containsKey(node)) {
                continue;
            }
            try {
                List<byte[]> der = new ArrayList<>();
                List<X509Certificate> certs = new ArrayList<>();
                for (var c : e.getValue()) {
                    byte[] bytes = Base64.getDecoder().decode(c.asText());
                    der.add(bytes);
                    certs.add(MeshCertificates.parse(bytes));
                }
                String verifiedAs = MeshCertificates.verify(certs, root, revocations.withdrawn(), clock.instant());
                if (!verifiedAs.equals(node)) {
                    throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the chain is " + verifiedAs + "'s");
                }
                keys.put(node, certs.get(0).getPublicKey());
                chains.put(node, List.copyOf(der));
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, () -> "member " + from + " sent a chain for " + node + " that does not verify: " + ex.getMessage());
            }
        }
    }

    /**
     * @param member a member
     * @return the node id of the admin whose certificate signed its membership, "" when the mesh key did, empty when unknown here
     */
    Optional<String> admittedBy(String member) {
        List<byte[]> c = chains.get(member);
        if (c == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(c.size() < 2 ? "" : MeshCertificates.nodeIdOf(MeshCertificates.parse(c.get(1))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** @param member a member expelled: its key, chain and statements are forgotten */
    void forget(String member) {
        keys.remove(member);
        chains.remove(member);
        verified.remove(member);
    }

    /** @param why a statement a member passed on was not taken */
    void refused(Check why) {
        refusals.computeIfAbsent(why.name().toLowerCase(Locale.ROOT), k -> new AtomicLong()).incrementAndGet();
    }

    /** @return statements passed on by members that were not taken, by why: forged, unsigned, unknown_signer */
    Map<String, Long> stats() {
        Map<String, Long> out = new TreeMap<>();
        for (Check c : List.of(Check.FORGED, Check.UNSIGNED, Check.UNKNOWN_SIGNER)) {
            String k = c.name().toLowerCase(Locale.ROOT);
            out.put(k, refusals.containsKey(k) ? refusals.get(k).get() : 0L);
        }
        return out;
    }
}
