package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The membership protocol on a real clock over a real {@link Transport}: every SWIM message is
 * sealed in a signed envelope, sent over a link to the member's endpoint, and verified on arrival
 * before the protocol sees it — a forged, tampered, replayed, foreign or revoked message is
 * dropped and counted, and never changes the membership. Revocations travel by flooding: a node
 * that accepts one it did not know (checked against the mesh root) stores it, expels the member
 * and passes it to every other member once. Thread-safe.
 */
public final class MeshRuntime implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(MeshRuntime.class.getName());

    private final Identity identity;
    private final Transport transport;
    private final Clock clock;
    private final EnvelopeCodec codec;
    private final EnvelopeVerifier verifier;
    private final X509Certificate root;
    private final Revocations revocations;
    private final SwimNode swim;
    private final Map<String, String> endpoints = new ConcurrentHashMap<>();
    private final Map<String, Link> links = new ConcurrentHashMap<>();
    private final Map<String, MemberState> states = new ConcurrentHashMap<>();
    private final Map<String, Long> capabilities = new ConcurrentHashMap<>();
    private final String listenHost;
    private final int listenPort;
    private volatile Thread ticker;
    private volatile boolean closed;

    /**
     * @param identity this node
     * @param chain this node's membership chain, leaf first
     * @param root the pinned mesh root
     * @param revocations this node's revocations (checked on every message, extended by gossip)
     * @param transport the transport to use (not started)
     * @param listenHost where it listens (for the in-memory transport: a name)
     * @param listenPort its port
     * @param config protocol timers
     * @param clock the clock
     */
    public MeshRuntime(Identity identity, List<X509Certificate> chain, X509Certificate root, Revocations revocations,
                       Transport transport, String listenHost, int listenPort, SwimConfig config, Clock clock) {
        this.identity = identity;
        this.transport = transport;
        this.clock = clock;
        this.listenHost = listenHost;
        this.listenPort = listenPort;
        this.codec = new EnvelopeCodec(identity, chain, clock);
        this.root = root;
        this.revocations = revocations;
        this.verifier = new EnvelopeVerifier(root, revocations::revoked, clock, Duration.ofMinutes(2));
        this.swim = new SwimNode(identity.nodeId(), config, new Random(), this::send, new SwimNode.Observer() {
            @Override
            public void stateChanged(String observer, String member, MemberState state, long now) {
                states.put(member, state);
            }

            @Override
            public void capabilitiesLearned(String observer, String member, long version, long now) {
                capabilities.merge(member, version, Math::max);
            }
        });
    }

    /** @return the endpoints where this node can be reached */
    public List<String> endpoints() {
        return transport.endpoints();
    }

    /**
     * Starts listening and probing.
     *
     * @param members the other members and their endpoints (node id → endpoint)
     */
    public void start(Map<String, String> members) {
        endpoints.putAll(members);
        transport.start(new TransportOptions(listenHost, listenPort, Optional.empty()), new TransportListener() {
            @Override
            public void frame(Link link, byte[] frame) {
                receive(frame);
            }
        });
        long now = clock.millis();
        synchronized (swim) {
            swim.start(new ArrayList<>(members.keySet()), now);
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
        deliver(msg.to(), "swim", Json.write(msg));
    }

    private void deliver(String to, String type, String payload) {
        String endpoint = endpoints.get(to);
        if (endpoint == null || closed) {
            return;
        }
        byte[] sealed = codec.seal(to, type, payload.getBytes(StandardCharsets.UTF_8));
        try {
            Link link = links.compute(endpoint, (k, l) -> l != null && l.isOpen() ? l : transport.connect(endpoint));
            link.send(sealed).exceptionally(t -> {
                links.remove(endpoint);
                return null;
            });
        } catch (CallFailedException e) {
            // unreachable now: the protocol notices by the missing ack
            links.remove(endpoint);
        }
    }

    private void receive(byte[] frame) {
        EnvelopeVerifier.Verified v;
        try {
            v = verifier.verify(frame);
        } catch (MeshSecurityException e) {
            LOG.log(System.Logger.Level.DEBUG, "dropped a mesh message: " + e.reason() + ": " + e.getMessage());
            return;
        }
        if (v.envelope().type().equals("revocation")) {
            try {
                learn(Json.MAPPER.readValue(v.envelope().payload(), Revocations.Revocation.class), v.sender());
            } catch (IOException | MeshSecurityException e) {
                LOG.log(System.Logger.Level.WARNING, "refused a revocation from " + v.sender() + ": " + e.getMessage());
            }
            return;
        }
        if (!v.envelope().type().equals("swim")) {
            return;
        }
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

    private void learn(Revocations.Revocation r, String from) {
        if (r.node().equals(identity.nodeId())) {
            revocations.accept(r, root);
            LOG.log(System.Logger.Level.WARNING, "this node was revoked from the mesh by " + r.by());
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
        expel(r.node());
        String payload = Json.write(r);
        for (String member : List.copyOf(endpoints.keySet())) {
            if (!member.equals(from)) {
                deliver(member, "revocation", payload);
            }
        }
    }

    private void expel(String member) {
        synchronized (swim) {
            swim.expel(member, clock.millis());
        }
        states.put(member, MemberState.LEFT);
        String endpoint = endpoints.remove(member);
        if (endpoint != null) {
            Link link = links.remove(endpoint);
            if (link != null) {
                link.close();
            }
        }
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

    /** @return the capability version this node knows for a member, or -1 */
    public long capabilitiesOf(String member) {
        return capabilities.getOrDefault(member, -1L);
    }

    /** @return envelopes accepted and refused, by reason */
    public Map<String, Long> stats() {
        return verifier.stats();
    }

    @Override
    public void close() {
        closed = true;
        Thread t = ticker;
        if (t != null) {
            t.interrupt();
        }
        transport.close();
    }
}
