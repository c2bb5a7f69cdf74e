package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Membership certificates after an admin loses its role. When the founder <em>removes</em> an
 * admin, the members it admitted keep their certificates until the founder (or another admin)
 * re-issues them on next contact ({@link #renewalFor}, {@link #renewed}). When it <em>revokes</em>
 * one, every certificate the admin signed dies with it: a member cut off that way asks the
 * founder and admins for re-admission over the join protocol ({@link #readmit}), and the owner
 * approves it like any join. Stateless but for per-member throttles; thread-safe.
 */
final class Memberships {

    private static final System.Logger LOG = System.getLogger(Memberships.class.getName());
    /** How often one member is sent a renewal while its certificate still chains through a removed admin. */
    private static final Duration RENEW_EVERY = Duration.ofSeconds(10);

    /** A member's certificate as this node judges it. */
    enum Standing {
        /** Signed by the mesh key or a serving admin. */
        VALID,
        /** Signed by an admin since removed: valid until the founder or an admin re-issues it on next contact. */
        REISSUE_PENDING,
        /** Signed by an admin since revoked: not valid; the member must be re-admitted. */
        CUT_OFF;

        /** @return as shown in {@code mesh members} */
        String shown() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Identity identity;
    private final MeshStore store;
    private final Clock clock;
    private final Map<String, Long> sent = new ConcurrentHashMap<>();

    Memberships(Identity identity, MeshStore store, Clock clock) {
        this.identity = identity;
        this.store = store;
        this.clock = clock;
    }

    /**
     * @param admittedBy the admin whose certificate signed a membership ("" for the mesh key)
     * @param withdrawn what the mesh took back
     * @return how that membership stands
     */
    static Standing standing(String admittedBy, MeshCertificates.Withdrawn withdrawn) {
        if (admittedBy.isEmpty()) {
            return Standing.VALID;
        }
        if (withdrawn.revoked().contains(admittedBy)) {
            return Standing.CUT_OFF;
        }
        return withdrawn.retired().containsKey(admittedBy) ? Standing.REISSUE_PENDING : Standing.VALID;
    }

    /** @return whether this node can sign memberships now (holds the mesh key, or an admin certificate not retired) */
    boolean canIssue(MeshCertificates.Withdrawn withdrawn) {
        return store.meshKey().isPresent()
                || store.adminCertificate().isPresent() && !withdrawn.retired().containsKey(identity.nodeId());
    }

    /**
     * On the founder or an admin: a renewed certificate for a member whose certificate chains
     * through a removed admin, at most every {@link #RENEW_EVERY} per member.
     *
     * @param member the member
     * @param key its public key (from its certificate)
     * @return the payload of a {@code membership.renew} message, when one is due
     */
    Optional<byte[]> renewalFor(String member, PublicKey key) {
        long now = clock.millis();
        Long last = sent.get(member);
        if (last != null && now - last < RENEW_EVERY.toMillis()) {
            return Optional.empty();
        }
        sent.put(member, now);
        if (sent.size() > 10_000) {
            sent.values().removeIf(t -> now - t >= RENEW_EVERY.toMillis());
        }
        Joins.Grant grant = Joins.grant(new Joins.Checked(null, null, key), store, identity);
        LOG.log(System.Logger.Level.INFO, () -> "re-issuing the membership certificate of " + member + ": the admin that signed it was removed");
        return Optional.of(Json.write(grant).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * On a member: checks a certificate the founder or an admin re-issued for this node and
     * stores it, if this node needs one (its own chains through a removed or revoked admin).
     *
     * @param sender who sent it
     * @param payload the {@code membership.renew} payload
     * @param withdrawn what the mesh took back
     * @return whether the membership was replaced (the mesh must restart to present it)
     */
    boolean renewed(String sender, byte[] payload, MeshCertificates.Withdrawn withdrawn) {
        try {
            Joins.Grant g = Json.MAPPER.readValue(payload, Joins.Grant.class);
            return take(g, withdrawn, "from " + sender);
        } catch (IOException | MeshSecurityException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "refused a renewed membership certificate from " + sender + ": " + e.getMessage());
            return false;
        }
    }

    /** Checks a grant for this node against the pinned root and stores it, if this node's own membership needs replacing. */
    private boolean take(Joins.Grant g, MeshCertificates.Withdrawn withdrawn, String from) {
        if (ownStanding(withdrawn) == Standing.VALID) {
            return false;
        }
        X509Certificate root = store.root();
        if (!Joins.rootOf(g).equals(root)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH, "a certificate under another mesh root");
        }
        X509Certificate member = MeshCertificates.parse(Base64.getDecoder().decode(g.member()));
        Optional<X509Certificate> intermediate = g.intermediate().isEmpty() ? Optional.empty()
                : Optional.of(MeshCertificates.parse(Base64.getDecoder().decode(g.intermediate())));
        List<X509Certificate> chain = intermediate.isPresent() ? List.of(member, intermediate.get()) : List.of(member);
        String node = MeshCertificates.verify(chain, root, withdrawn, clock.instant());
        if (!node.equals(identity.nodeId()) || !member.getPublicKey().equals(identity.publicKey())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the certificate is for " + node + ", not this node");
        }
        store.renew(member, intermediate);
        LOG.log(System.Logger.Level.INFO, () -> "this node's membership certificate was re-issued " + from + " (now signed by "
                + (intermediate.isEmpty() ? "the mesh key" : "admin " + MeshCertificates.nodeIdOf(intermediate.get())) + ")");
        return true;
    }

    /**
     * @param withdrawn what the mesh took back
     * @return how this node's own membership stands
     */
    Standing ownStanding(MeshCertificates.Withdrawn withdrawn) {
        List<X509Certificate> chain = store.chain();
        return standing(chain.size() < 2 ? "" : MeshCertificates.nodeIdOf(chain.get(1)), withdrawn);
    }

    /**
     * On a member cut off by its admitter's revocation: asks each endpoint in turn (the founder's
     * and admins' first) for re-admission, as a join without invite that the owner approves, and
     * stores the certificate granted.
     *
     * @param endpoints mesh endpoints of the founder and admins, then of other members
     * @param nodeName this node's name
     * @param ownEndpoint where this node listens
     * @param transports makes a transport for the join link
     * @param wait how long to wait for the owner at one endpoint
     * @param withdrawn what the mesh took back, now
     * @return whether this node was re-admitted
     * @throws InterruptedException if interrupted while waiting
     */
    boolean readmit(List<String> endpoints, String nodeName, String ownEndpoint, Supplier<Transport> transports, Duration wait,
                    Supplier<MeshCertificates.Withdrawn> withdrawn) throws InterruptedException {
        SSLContext tls = MeshTls.joiner(store.root(), clock);
        String meshId = MeshCertificates.meshIdOf(store.root());
        for (String endpoint : endpoints) {
            JoinAnswers answers = new JoinAnswers();
            try (Transport transport = transports.get()) {
                if (!transport.accepts(endpoint)) {
                    continue;
                }
                transport.start(new TransportOptions("0.0.0.0", TransportOptions.NO_LISTEN, Optional.of(() -> tls)), answers);
                Link link = transport.connect(endpoint);
                Joins.Request r = Joins.requestWithoutInvite(identity, meshId, clock.instant());
                ObjectNode msg = Json.MAPPER.createObjectNode();
                msg.put("type", "join");
                msg.put("protocol", Envelope.VERSION);
                msg.set("request", Json.MAPPER.valueToTree(new Joins.Request(r.token(), r.nodeId(), nodeName, r.publicKey(), r.at(), r.proof())));
                msg.put("endpoint", ownEndpoint);
                link.send(Json.write(msg).getBytes(StandardCharsets.UTF_8)).join();
                long deadline = System.nanoTime() + wait.toNanos();
                boolean waiting = true;
                while (waiting) {
                    long left = deadline - System.nanoTime();
                    JsonNode a = left <= 0 ? null : answers.next(left, TimeUnit.NANOSECONDS);
                    String status = a == null ? "timeout" : a.path("status").asText();
                    switch (status) {
                        case "pending" -> LOG.log(System.Logger.Level.WARNING, () -> "asked " + endpoint + " to re-admit this node; the owner approves it with "
                                + "'atmosphere approve " + identity.nodeId() + "'");
                        case "granted" -> {
                            link.close();
                            return take(Json.MAPPER.treeToValue(a.path("grant"), Joins.Grant.class), withdrawn.get(), "by re-admission at " + endpoint);
                        }
                        default -> {
                            LOG.log(System.Logger.Level.INFO, () -> "re-admission at " + endpoint + ": " + status
                                    + (a == null ? "" : " " + a.path("error").asText("")));
                            waiting = false;
                        }
                    }
                }
                link.close();
            } catch (CallFailedException | IOException | MeshSecurityException | IllegalStateException e) {
                LOG.log(System.Logger.Level.INFO, () -> "re-admission at " + endpoint + " failed: " + e.getMessage());
            }
        }
        return false;
    }

    /**
     * @param known the members this node knows
     * @param node a node about to be revoked
     * @return the members whose certificates it signed (they are cut off with it)
     */
    static List<KnownMember> admittedBy(Iterable<KnownMember> known, String node) {
        List<KnownMember> out = new ArrayList<>();
        for (KnownMember k : known) {
            if (k.admittedBy().equals(node) && !k.nodeId().equals(node) && !k.state().equals("left")) {
                out.add(k);
            }
        }
        return out;
    }
}
