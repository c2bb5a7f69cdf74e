package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.mesh.swim.SwimNode;
import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage;
import farm.llama.atmosphere.runtime.mesh.swim.SwimConfig;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.runtime.mesh.swim.Statements;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportListener;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The membership protocol on a real clock over a real {@link Transport}: every SWIM message is
 * sealed in a signed envelope, sent over a link to the member's endpoint, and verified on arrival
 * before the protocol sees it — a forged, tampered, replayed, foreign or revoked message is
 * dropped and counted, and never changes the membership. Revocations travel by flooding: a node
 * that accepts one it did not know (checked against the mesh root) stores it, expels the member
 * and passes it to every other member once. Sends never block the protocol: each peer has its
 * own outbound queue, and a peer that cannot be reached is retried after a pause. Thread-safe.
 */
public final class MeshRuntime implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(MeshRuntime.class.getName());

    /** What the node adds on top of membership: joins, profiles, events. Called on transport threads. */
    public interface Extension {
        /**
         * A frame that is not an envelope arrived (a join request from a node without a certificate).
         *
         * @param link the link it came on
         * @param frame the bytes
         */
        default void unauthenticated(Link link, byte[] frame) {
        }

        /**
         * A verified envelope of a type the membership protocol does not handle arrived.
         *
         * @param link the link it came on
         * @param message the verified envelope and its sender
         */
        default void message(Link link, EnvelopeVerifier.Verified message) {
        }

        /** @param member whose state changed, @param state its new state */
        default void stateChanged(String member, MemberState state) {
        }

        /**
         * A transport says a member can be reached now (it connected to a relay this node uses).
         *
         * @param member the member
         * @param endpoint where
         */
        default void reachable(String member, String endpoint) {
        }

        /** @param member whose capabilities changed, @param version the version now known */
        default void capabilitiesLearned(String member, long version) {
        }

        /** @param roster the newer roster of roles this node took (from a member, or its own as founder) */
        default void rolesChanged(MeshRoles.Roster roster) {
        }

        /** @param node a node this node learned is revoked (checked and stored) */
        default void revoked(String node) {
        }
    }

    /** The endpoint scheme of a member reached through a relay: {@code relay:<node id>}. */
    public static final String RELAY_SCHEME = "relay:";

    private final Identity identity;
    private final List<Transport> transports;
    private final TransportOptions listen;
    private final String advertise;
    private final long incarnation;
    private final Clock clock;
    private final Extension extension;
    private final EnvelopeCodec codec;
    private final EnvelopeVerifier verifier;
    private final X509Certificate root;
    private final Revocations revocations;
    private final SwimNode swim;
    private final Duration retryPause;
    private final Map<String, String> seeds = new ConcurrentHashMap<>();
    private final Map<String, PeerLink> peers = new ConcurrentHashMap<>();
    private final Map<String, MemberState> states = new ConcurrentHashMap<>();
    private final Map<String, Long> lastHeard = new ConcurrentHashMap<>();
    private final Map<String, Double> rtt = new ConcurrentHashMap<>();
    private final Map<String, Long> capabilities = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> linkRefusals = new ConcurrentHashMap<>();
    private final Sealing sealing;
    private final ChainBook chainBook;
    /** Sends that pass revocations and rosters on, one virtual thread each, owned by this runtime. */
    /** Revocation flooding and direct-link retries: owned here, stopped by {@link #close()}. */
    private final ExecutorService background = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("atmosphere-mesh-bg-", 0).factory());
    /** Peers refused for speaking another protocol version: node id (or address) → what they speak. */
    private final Map<String, String> versionMismatch = new ConcurrentHashMap<>();
    private volatile Thread ticker;
    private volatile boolean closed;

    /**
     * A runtime for tests over the in-memory transport: no TLS, no advertised address.
     *
     * @param identity this node
     * @param chain this node's membership chain, leaf first
     * @param root the pinned mesh root
     * @param revocations this node's revocations
     * @param transport the transport (not started)
     * @param listenHost where it listens (for the in-memory transport: a name)
     * @param listenPort its port
     * @param config protocol timers
     * @param clock the clock
     */
    public MeshRuntime(Identity identity, List<X509Certificate> chain, X509Certificate root, Revocations revocations,
                       Transport transport, String listenHost, int listenPort, SwimConfig config, Clock clock) {
        this(identity, chain, root, revocations, List.of(transport), new TransportOptions(listenHost, listenPort, Optional.empty()),
                "", 0, config, clock, new Extension() { });
    }

    /**
     * @param identity this node
     * @param chain this node's membership chain, leaf first
     * @param root the pinned mesh root
     * @param revocations this node's revocations (checked on every message, extended by gossip)
     * @param transports the transports to use (not started), in order of preference; a relay last
     * @param listen where and with which TLS context they listen, and this node's credentials
     * @param advertise this node's endpoint, announced to the mesh ("" if the members already know it)
     * @param incarnation this node's first incarnation; above any it had before (a start time works)
     * @param config protocol timers
     * @param clock the clock
     * @param extension joins, profiles and events
     */
    public MeshRuntime(Identity identity, List<X509Certificate> chain, X509Certificate root, Revocations revocations,
                       List<Transport> transports, TransportOptions listen, String advertise, long incarnation,
                       SwimConfig config, Clock clock, Extension extension) {
        if (transports.isEmpty()) {
            throw new IllegalArgumentException("a mesh runtime needs at least one transport");
        }
        this.identity = identity;
        this.transports = List.copyOf(transports);
        this.listen = listen;
        this.advertise = advertise;
        this.incarnation = incarnation;
        this.clock = clock;
        this.extension = extension;
        this.codec = new EnvelopeCodec(identity, chain, clock);
        this.root = root;
        this.revocations = revocations;
        this.sealing = new Sealing(identity, root, revocations, clock);
        this.chainBook = new ChainBook(identity, root, revocations, clock, this::deliver, this::pushRoles);
        this.retryPause = config.probeInterval().compareTo(Duration.ofSeconds(1)) < 0 ? config.probeInterval() : Duration.ofSeconds(1);
        this.verifier = new EnvelopeVerifier(root, revocations::withdrawn, clock, Duration.ofMinutes(2), Optional.of(identity.nodeId()),
                clock.instant());
        this.swim = new SwimNode(identity.nodeId(), config, new Random(), this::send, new SwimNode.Observer() {
            @Override
            public void stateChanged(String observer, String member, MemberState state, long now) {
                MemberState before = states.put(member, state);
                if (before != state) {
                    if (state == MemberState.ALIVE && before != MemberState.SUSPECT) {
                        pushRoles(member); // a member back from dead, or new, may have missed a change of roles
                    }
                    extension.stateChanged(member, state);
                }
            }

            @Override
            public void acked(String member, long rttMs) {
                rtt.merge(member, (double) rttMs, (old, sample) -> old * 0.7 + sample * 0.3);
            }

            @Override
            public void capabilitiesLearned(String observer, String member, long version, long now) {
                capabilities.merge(member, version, Math::max);
                extension.capabilitiesLearned(member, version);
            }

            @Override
            public void refused(String from, SwimMessage.Update update, Statements.Check why) {
                chainBook.refused(why);
                if (why == Statements.Check.FORGED) {
                    LOG.log(System.Logger.Level.WARNING, () -> "member " + from + " passed on a statement about " + update.node()
                            + " that " + update.node() + " did not sign: " + update);
                }
            }
        }, chainBook);
    }

    /** @return the endpoints where this node can be reached, over every transport */
    public List<String> endpoints() {
        List<String> all = new ArrayList<>();
        transports.forEach(t -> all.addAll(t.endpoints()));
        return all;
    }

    /** @return the types of the transports this node runs, in order of preference */
    public List<String> transportTypes() {
        return transports.stream().map(Transport::type).toList();
    }

    /** @return the transports this node runs, for diagnostics */
    public List<Transport> transports() {
        return transports;
    }

    /**
     * @param member a member
     * @return the transport of the link this node last used to reach it, or "" when it has none open
     */
    public String transportOf(String member) {
        String endpoint = addressOf(member);
        PeerLink p = endpoint.isEmpty() ? null : peers.get(peerKey(member, endpoint));
        Link l = p == null ? null : p.link();
        return l != null && l.isOpen() ? l.transport() : "";
    }

    /**
     * Starts listening and probing.
     *
     * @param members the other members and their last known endpoints (node id → endpoint)
     */
    public void start(Map<String, String> members) {
        seeds.putAll(members);
        TransportListener listener = new TransportListener() {
            @Override
            public void frame(Link link, byte[] frame) {
                receive(link, frame);
            }

            @Override
            public void reachable(String endpoint) {
                if (endpoint.startsWith(RELAY_SCHEME) && !closed) {
                    extension.reachable(endpoint.substring(RELAY_SCHEME.length()), endpoint);
                }
            }
        };
        for (Transport t : transports) {
            t.start(listen, listener);
        }
        long now = clock.millis();
        List<String> own = endpoints();
        String address = advertise.isEmpty() && !own.isEmpty() ? own.get(0) : advertise;
        synchronized (swim) {
            swim.start(new ArrayList<>(members.keySet()), now, incarnation, address);
        }
        members.keySet().forEach(m -> states.put(m, MemberState.ALIVE));
        revocations.revoked().forEach(this::expel);
        ticker = Thread.ofVirtual().name("atmosphere-swim").start(() -> {
            while (!closed) {
                synchronized (swim) {
                    swim.tick(clock.millis());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private void send(SwimMessage msg) {
        deliver(msg.to(), "swim", Json.write(msg).getBytes(StandardCharsets.UTF_8));
    }

    /** @return where a member can be reached, or "" */
    public String addressOf(String member) {
        String a;
        synchronized (swim) {
            a = swim.addressOf(member);
        }
        return a.isEmpty() ? seeds.getOrDefault(member, "") : a;
    }

    /**
     * Sends a signed message to a member, without waiting (lost if the member cannot be reached).
     *
     * @param to the member's node id
     * @param type the message type
     * @param payload the content
     */
    public void send(String to, String type, byte[] payload) {
        deliver(to, type, payload);
    }

    /**
     * Sends a signed message that must not be dropped (a chunk of a stream): waits while the
     * member's queue is full.
     *
     * @param to the member's node id
     * @param type the message type
     * @param payload the content
     * @throws CallFailedException UNREACHABLE if the member has no known address
     */
    public void sendReliably(String to, String type, byte[] payload) {
        String endpoint = addressOf(to);
        if (endpoint.isEmpty() || closed) {
            throw new CallFailedException(FailureKind.UNREACHABLE, "no address known for member " + to);
        }
        PeerLink p = peers.computeIfAbsent(peerKey(to, endpoint), k -> peer(endpoint, to));
        p.ensureLink();
        Link l = p.link();
        p.sendWaiting(new PeerLink.Outbound(to, type, payload, l != null && !l.needsSealing() ? codec.seal(to, type, payload) : null));
    }

    /**
     * Seals a message for a member to send on a link of the caller's choosing.
     *
     * @param to the recipient
     * @param type the message type
     * @param payload the content
     * @return the signed envelope
     */
    public byte[] seal(String to, String type, byte[] payload) {
        return codec.seal(to, type, payload);
    }

    private void deliver(String to, String type, byte[] payload) {
        if (closed) {
            return;
        }
        String endpoint = addressOf(to);
        if (endpoint.isEmpty()) {
            return;
        }
        peers.computeIfAbsent(peerKey(to, endpoint), k -> peer(endpoint, to)).send(new PeerLink.Outbound(to, type, payload));
    }

    /** Signs a message for a link; sealed end-to-end first when the link passes through a relay. */
    private PeerLink peer(String endpoint, String member) {
        return new PeerLink(endpoint, member, transports, clock, retryPause, peerHost);
    }

    /** What peers need of this runtime. */
    private final PeerLink.Host peerHost = new PeerLink.Host() {
        @Override
        public boolean closed() {
            return closed;
        }

        @Override
        public byte[] frame(Link link, PeerLink.Outbound message) {
            return MeshRuntime.this.frame(link, message);
        }

        @Override
        public void noKey() {
            sealing.count("no_key");
        }

        @Override
        public void refused(MeshSecurityException refusal) {
            refusedLink(refusal);
        }

        @Override
        public void background(Runnable job) {
            try {
                background.execute(job);
            } catch (RejectedExecutionException closing) {
                // the runtime is closing: nothing more is opened
            }
        }
    };

    private byte[] frame(Link link, PeerLink.Outbound m) {
        if (!link.needsSealing()) {
            return codec.seal(m.to(), m.type(), m.payload());
        }
        byte[] sealed = codec.seal(m.to(), m.type(), m.payload(), sealing.keyFor(m.to(), link));
        sealing.count("sealed");
        return sealed;
    }

    /** @return sealed messages sent, opened and refused, and messages not sent for want of the recipient's key */
    public Map<String, Long> sealingStats() {
        return sealing.stats();
    }

    private void receive(Link link, byte[] frame) {
        if (frame.length < 3 || !Arrays.equals(Arrays.copyOf(frame, 3), EnvelopeCodec.MAGIC)) {
            extension.unauthenticated(link, frame);
            return;
        }
        EnvelopeVerifier.Verified v;
        try {
            v = verifier.verify(frame);
        } catch (MeshSecurityException e) {
            if (e.reason() == MeshSecurityException.Reason.VERSION) {
                List<X509Certificate> peer = link.peerCertificates();
                String who = peer.isEmpty() ? link.remote() : MeshCertificates.nodeIdOf(peer.get(0));
                if (versionMismatch.put(who, e.getMessage()) == null) {
                    LOG.log(System.Logger.Level.WARNING, () -> "refused " + who + ": " + e.getMessage());
                }
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "dropped a mesh message from " + link.remote() + ": " + e.reason() + ": " + e.getMessage());
            return;
        }
        if (v.envelope().type().equals(EnvelopeCodec.SEALED)) {
            try {
                v = new EnvelopeVerifier.Verified(EnvelopeCodec.open(v.envelope(), sealing.shared(v.sender(), v.envelope().chain().get(0))),
                        v.sender());
                sealing.count("opened");
            } catch (MeshSecurityException e) {
                sealing.count("refused");
                LOG.log(System.Logger.Level.DEBUG, "dropped a sealed message from " + v.sender() + " via " + link.remote() + ": " + e.getMessage());
                return;
            }
        }
        lastHeard.put(v.sender(), clock.millis());
        sealing.learned(v.sender(), v.envelope().chain().get(0));
        chainBook.learn(v.sender(), v.envelope().chain());
        versionMismatch.remove(v.sender());
        switch (v.envelope().type()) {
            case "revocation" -> {
                try {
                    learn(Json.MAPPER.readValue(v.envelope().payload(), Revocations.Revocation.class), v.sender());
                } catch (IOException | MeshSecurityException e) {
                    LOG.log(System.Logger.Level.WARNING, "refused a revocation from " + v.sender() + ": " + e.getMessage());
                }
            }
            case "roles" -> {
                try {
                    takeRoles(Json.MAPPER.readValue(v.envelope().payload(), MeshRoles.Roster.class), v.sender());
                } catch (IOException | MeshSecurityException e) {
                    LOG.log(System.Logger.Level.WARNING, "refused a roster of roles from " + v.sender() + ": " + e.getMessage());
                }
            }
            case "chains.request" -> {
                try {
                    chainBook.answer(v.sender(), v.envelope().payload());
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "ignored a malformed chains request from " + v.sender());
                }
            }
            case "chains" -> {
                try {
                    chainBook.take(v.sender(), v.envelope().payload());
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "ignored malformed chains from " + v.sender());
                }
            }
            case "swim" -> {
                SwimMessage msg;
                try {
                    msg = Json.MAPPER.readValue(v.envelope().payload(), SwimMessage.class);
                } catch (IOException e) {
                    return;
                }
                if (!msg.from().equals(v.sender())) {
                    return; // the envelope is the authority on who sent it
                }
                synchronized (swim) {
                    swim.receive(msg, clock.millis());
                }
            }
            default -> {
                try {
                    extension.message(link, v);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "handling a '" + v.envelope().type() + "' message from " + v.sender()
                            + " failed: " + e);
                }
            }
        }
    }

    /**
     * Adds a member this node just admitted, so it is probed and announced from here.
     *
     * @param member its node id
     * @param endpoint where it listens ("" if it does not)
     */
    public void admit(String member, String endpoint) {
        if (!endpoint.isEmpty()) {
            seeds.put(member, endpoint);
        }
        synchronized (swim) {
            swim.admit(member, endpoint, clock.millis());
        }
    }

    /**
     * Announces that this node leaves: every live member is told directly.
     */
    public void leave() {
        List<String> live;
        SwimMessage.Update bye;
        synchronized (swim) {
            bye = swim.leave(clock.millis());
            live = swim.liveMembers();
        }
        for (String m : live) {
            send(new SwimMessage(SwimMessage.Kind.GOSSIP, identity.nodeId(), m, 0, "", List.of(bye)));
        }
    }

    /**
     * Revokes a member across the mesh: checks and stores the revocation, expels the member here
     * and floods the revocation to every other member.
     *
     * @param revocation a revocation signed by the founder or an admin
     * @throws MeshSecurityException if it does not verify against the mesh root
     */
    public void revoke(Revocations.Revocation revocation) {
        learn(revocation, identity.nodeId());
    }

    /**
     * Takes a roster of roles if it is newer than this node's, lets back any node an admin's
     * revocation had cut off though the roster shows it was not the admin's to revoke, and passes
     * the roster on to every live member.
     *
     * @param roster a roster signed by the mesh key (this node's own, when it is the founder)
     * @param from who sent it (this node's id for its own)
     * @throws MeshSecurityException if it does not verify
     */
    public void takeRoles(MeshRoles.Roster roster, String from) {
        long before = revocations.roles().current().map(MeshRoles.Roster::version).orElse(0L);
        List<String> pardoned = revocations.takeRoles(roster, root);
        if (!from.equals(identity.nodeId()) && roster.version() < before) {
            pushRoles(from); // the sender lags: it gets this node's newer roster
        }
        if (!from.equals(identity.nodeId()) && roster.version() <= before) {
            return;
        }
        for (String node : pardoned) {
            LOG.log(System.Logger.Level.WARNING, () -> "node " + node + " is the founder or an admin: an admin's revocation of it is void");
            synchronized (swim) {
                swim.pardon(node, clock.millis());
            }
            states.remove(node);
        }
        extension.rolesChanged(roster);
        List<String> others;
        synchronized (swim) {
            others = swim.liveMembers();
        }
        byte[] payload = Json.write(roster).getBytes(StandardCharsets.UTF_8);
        for (String member : others) {
            if (!member.equals(from) && !member.equals(identity.nodeId())) {
                sendRoles(member, payload);
            }
        }
    }

    /** Sends this node's roster of roles, if it holds one, to a member: opened now if need be, off the caller's thread. */
    private void pushRoles(String member) {
        revocations.roles().current().ifPresent(r -> sendRoles(member, Json.write(r).getBytes(StandardCharsets.UTF_8)));
    }

    private void sendRoles(String member, byte[] roster) {
        flood(() -> {
            try {
                sendReliably(member, "roles", roster);
            } catch (CallFailedException | IllegalStateException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "could not pass the roster of roles to " + member + " now (" + e.getMessage()
                        + "); it gets it when it is next seen alive");
            }
        });
    }

    /**
     * @param member a member
     * @return the node id of the admin whose certificate signed its membership, "" when the mesh key did, empty when unknown here
     */
    public Optional<String> admittedBy(String member) {
        return chainBook.admittedBy(member);
    }

    private void learn(Revocations.Revocation r, String from) {
        if (r.node().equals(identity.nodeId())) {
            revocations.accept(r, root);
            LOG.log(System.Logger.Level.WARNING, () -> "this node was revoked from the mesh by " + r.by());
            return;
        }
        boolean known;
        synchronized (revocations) {
            known = revocations.revoked().contains(r.node()) && states.get(r.node()) == MemberState.LEFT;
            if (!known) {
                revocations.accept(r, root);
            }
        }
        if (known) {
            return;
        }
        List<String> others;
        synchronized (swim) {
            others = swim.liveMembers();
        }
        expel(r.node());
        extension.revoked(r.node());
        byte[] payload = Json.write(r).getBytes(StandardCharsets.UTF_8);
        for (String member : others) {
            if (!member.equals(from) && !member.equals(r.node())) {
                // not dropped like a probe: opened now if need be, off the thread that received it
                flood(() -> {
                    try {
                        sendReliably(member, "revocation", payload);
                    } catch (CallFailedException | IllegalStateException e) {
                        LOG.log(System.Logger.Level.INFO, () -> "could not pass the revocation of " + r.node() + " to " + member
                                + " now (" + e.getMessage() + "); the other members pass it on too");
                    }
                });
            }
        }
    }

    /** Passes a revocation or a roster on to one member, off the caller's thread, on this runtime's executor (stopped by {@link #close()}). */
    private void flood(Runnable send) {
        try {
            background.execute(send);
        } catch (RejectedExecutionException e) {
            // closed: nothing more is passed on
        }
    }

    private void expel(String member) {
        String endpoint = addressOf(member);
        synchronized (swim) {
            swim.expel(member, clock.millis());
        }
        states.put(member, MemberState.LEFT);
        seeds.remove(member);
        chainBook.forget(member);
        PeerLink p = peers.remove(peerKey(member, endpoint));
        if (p != null) {
            p.close();
        }
    }

    /** Outbound queues are per member and endpoint: two members never share a link, whatever address is claimed for them. */
    private static String peerKey(String member, String endpoint) {
        return member + " " + endpoint;
    }

    /**
     * Counts a peer refused before any message (at the TLS handshake).
     *
     * @param e why
     */
    public void refusedLink(MeshSecurityException e) {
        linkRefusals.computeIfAbsent(e.reason().name().toLowerCase(Locale.ROOT), k -> new AtomicLong()).incrementAndGet();
    }

    /**
     * Publishes a new version of this node's capabilities to the mesh.
     *
     * @param version the version
     */
    public void publishCapabilities(long version) {
        synchronized (swim) {
            swim.publishCapabilities(version);
        }
    }

    /** @return each known member's state as this node sees it */
    public Map<String, MemberState> members() {
        Map<String, MemberState> m = new LinkedHashMap<>(states);
        m.put(identity.nodeId(), MemberState.ALIVE);
        return m;
    }

    /**
     * @param member a member
     * @return the membership certificate it last signed a verified message with, if any
     */
    public Optional<X509Certificate> certificateOf(String member) {
        Optional<byte[]> der = sealing.leaf(member);
        if (der.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(MeshCertificates.parse(der.get()));
        } catch (MeshSecurityException e) {
            return Optional.empty();
        }
    }

    /** @return the smoothed round trip of direct probes to a member, ms, or -1 if none answered yet */
    public double roundTrip(String member) {
        return rtt.getOrDefault(member, -1.0);
    }

    /** @return when a verified message last came from a member, ms since the epoch, or 0 */
    public long lastHeard(String member) {
        return lastHeard.getOrDefault(member, 0L);
    }

    /** @return the capability version this node knows for a member, or -1 */
    public long capabilitiesOf(String member) {
        return capabilities.getOrDefault(member, -1L);
    }

    /** @return envelopes accepted and refused, by reason */
    public Map<String, Long> stats() {
        return verifier.stats();
    }

    /** @return statements passed on by members that were not taken, by why: forged, unsigned, unknown_signer */
    public Map<String, Long> statementStats() {
        return chainBook.stats();
    }

    /**
     * @param member a member (or an address, for a peer that never authenticated)
     * @return why it is refused for speaking another protocol version, naming both; empty if it is not
     */
    public Optional<String> versionMismatch(String member) {
        return Optional.ofNullable(versionMismatch.get(member));
    }

    /** @return links refused at the TLS handshake, by reason */
    public Map<String, Long> linkStats() {
        Map<String, Long> out = new TreeMap<>();
        for (MeshSecurityException.Reason r : MeshSecurityException.Reason.values()) {
            out.put(r.name().toLowerCase(Locale.ROOT), 0L);
        }
        linkRefusals.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** @return each transport's own counters (connections refused or closed, bytes held for strangers), by transport type */
    public Map<String, Map<String, Long>> transportStats() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (Transport t : transports) {
            Map<String, Long> c = t.counters();
            if (!c.isEmpty()) {
                out.put(t.type(), new TreeMap<>(c));
            }
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
        Thread t = ticker;
        if (t != null) {
            t.interrupt();
        }
        background.shutdownNow();
        peers.values().forEach(PeerLink::close);
        peers.clear();
        transports.forEach(Transport::close);
    }
}
