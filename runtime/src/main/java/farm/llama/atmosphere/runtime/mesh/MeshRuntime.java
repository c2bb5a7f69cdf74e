package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.runtime.mesh.swim.Statements;
import farm.llama.atmosphere.runtime.mesh.swim.SwimConfig;
import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage;
import farm.llama.atmosphere.runtime.mesh.swim.SwimNode;
import farm.llama.atmosphere.runtime.mesh.swim.SwimObserver;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportListener;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

    /** The endpoint scheme of a member reached through a relay: {@code relay:<node id>}. */
    public static final String RELAY_SCHEME = "relay:";

    private final Identity identity;
    private final List<Transport> transports;
    private final TransportOptions listen;
    private final String advertise;
    private final long incarnation;
    private final Clock clock;
    private final MeshExtension extension;
    private final EnvelopeCodec codec;
    private final EnvelopeVerifier verifier;
    private final X509Certificate root;
    private final Revocations revocations;
    private final SwimNode swim;
    private final Map<String, String> seeds = new ConcurrentHashMap<>();
    private final PeerLinks links;
    private final Map<String, MemberState> states = new ConcurrentHashMap<>();
    private final Map<String, Double> rtt = new ConcurrentHashMap<>();
    private final Map<String, Long> capabilities = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> linkRefusals = new ConcurrentHashMap<>();
    private final Sealing sealing;
    private final ChainBook chainBook;
    private final RevocationFlood flood;
    /** Sends that pass revocations and rosters on, one virtual thread each, owned by this runtime. */
    /** Revocation flooding and direct-link retries: owned here, stopped by {@link #close()}. */
    private final ExecutorService background = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("atmosphere-mesh-bg-", 0).factory());
    /** Peers refused for speaking another protocol version: node id (or address) → what they speak. */
    private final Inbound inbound;
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
                "", 0, config, clock, new MeshExtension() { });
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
                       SwimConfig config, Clock clock, MeshExtension extension) {
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
        this.flood = new RevocationFlood(identity.nodeId(), root, revocations, new RevocationFlood.Members() {
            @Override
            public List<String> live() {
                synchronized (swim) {
                    return swim.liveMembers();
                }
            }

            @Override
            public boolean expelled(String node) {
                return states.get(node) == MemberState.LEFT;
            }

            @Override
            public void pardon(String node) {
                synchronized (swim) {
                    swim.pardon(node, clock.millis());
                }
                states.remove(node);
            }

            @Override
            public void expel(String node) {
                MeshRuntime.this.expel(node);
            }

            @Override
            public void send(String member, String type, byte[] payload) {
                sendReliably(member, type, payload);
            }
        }, extension, background);
        this.chainBook = new ChainBook(identity, root, revocations, clock, this::deliver, flood::pushRoles);
        this.links = new PeerLinks(this.transports, codec, sealing, clock,
                config.probeInterval().compareTo(Duration.ofSeconds(1)) < 0 ? config.probeInterval() : Duration.ofSeconds(1),
                () -> closed, this::refusedLink, background);
        this.verifier = new EnvelopeVerifier(root, revocations::withdrawn, clock, Duration.ofMinutes(2), Optional.of(identity.nodeId()),
                clock.instant());
        this.swim = new SwimNode(identity.nodeId(), config, new Random(), this::send, new SwimObserver() {
            @Override
            public void stateChanged(String observer, String member, MemberState state, long now) {
                MemberState before = states.put(member, state);
                if (before != state) {
                    if (state == MemberState.ALIVE && before != MemberState.SUSPECT) {
                        flood.pushRoles(member); // a member back from dead, or new, may have missed a change of roles
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
        this.inbound = new Inbound(verifier, sealing, chainBook, flood, msg -> {
            synchronized (swim) {
                swim.receive(msg, clock.millis());
            }
        }, extension, clock);
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
        return endpoint.isEmpty() ? "" : links.transportOf(member, endpoint);
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
                inbound.receive(link, frame);
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
        links.sendWaiting(to, endpoint, type, payload);
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
        links.send(to, endpoint, type, payload);
    }

    /** @return sealed messages sent, opened and refused, and messages not sent for want of the recipient's key */
    public Map<String, Long> sealingStats() {
        return sealing.stats();
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
     *
     * @return completes once the goodbye has been written to every member's link
     */
    public CompletableFuture<Void> leave() {
        List<String> live;
        SwimMessage.Update bye;
        synchronized (swim) {
            bye = swim.leave(clock.millis());
            live = swim.liveMembers();
        }
        for (String m : live) {
            send(new SwimMessage(SwimMessage.Kind.GOSSIP, identity.nodeId(), m, 0, "", List.of(bye)));
        }
        return CompletableFuture.allOf(live.stream().map(m -> links.drained(m, addressOf(m))).toArray(CompletableFuture[]::new));
    }

    /**
     * Revokes a member across the mesh: checks and stores the revocation, expels the member here
     * and floods the revocation to every other member.
     *
     * @param revocation a revocation signed by the founder or an admin
     * @throws MeshSecurityException if it does not verify against the mesh root
     */
    public void revoke(Revocations.Revocation revocation) {
        flood.learn(revocation, identity.nodeId());
    }

    /**
     * Takes a roster of roles and passes it on ({@link RevocationFlood#takeRoles}).
     *
     * @param roster a roster signed by the mesh key (this node's own, when it is the founder)
     * @param from who sent it (this node's id for its own)
     * @throws MeshSecurityException if it does not verify
     */
    public void takeRoles(MeshRoles.Roster roster, String from) {
        flood.takeRoles(roster, from);
    }

    /**
     * @param member a member
     * @return the node id of the admin whose certificate signed its membership, "" when the mesh key did, empty when unknown here
     */
    public Optional<String> admittedBy(String member) {
        return chainBook.admittedBy(member);
    }

    private void expel(String member) {
        String endpoint = addressOf(member);
        synchronized (swim) {
            swim.expel(member, clock.millis());
        }
        states.put(member, MemberState.LEFT);
        seeds.remove(member);
        chainBook.forget(member);
        links.close(member, endpoint);
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
        return inbound.lastHeard(member);
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
        return inbound.versionMismatch(member);
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
        links.closeAll();
        transports.forEach(Transport::close);
    }
}
