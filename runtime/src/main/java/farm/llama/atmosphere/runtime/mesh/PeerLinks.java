package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * This node's outbound links: one {@link PeerLink} (queue and link) per member and endpoint, so two
 * members never share a link whatever address is claimed for them. Frames each message for the
 * link it goes on: signed, and sealed end-to-end first when the link passes through a relay.
 */
final class PeerLinks {

    private final Map<String, PeerLink> peers = new ConcurrentHashMap<>();
    private final List<Transport> transports;
    private final EnvelopeCodec codec;
    private final Sealing sealing;
    private final Clock clock;
    private final Duration retryPause;
    private final PeerLink.Host host;

    /**
     * @param transports the transports, in order of preference
     * @param codec signs envelopes
     * @param sealing keys for sealing to members
     * @param clock the clock
     * @param retryPause how long after a failed attempt a link is tried again
     * @param closed whether the runtime is closed
     * @param refused told of a link whose peer is not who it should be
     * @param background runs connection attempts; closed with the runtime
     */
    PeerLinks(List<Transport> transports, EnvelopeCodec codec, Sealing sealing, Clock clock, Duration retryPause,
              BooleanSupplier closed, Consumer<MeshSecurityException> refused, Executor background) {
        this.transports = transports;
        this.codec = codec;
        this.sealing = sealing;
        this.clock = clock;
        this.retryPause = retryPause;
        this.host = new PeerLink.Host() {
            @Override
            public boolean closed() {
                return closed.getAsBoolean();
            }

            @Override
            public byte[] frame(Link link, PeerLink.Outbound message) {
                return PeerLinks.this.frame(link, message);
            }

            @Override
            public void noKey() {
                sealing.count("no_key");
            }

            @Override
            public void refused(MeshSecurityException refusal) {
                refused.accept(refusal);
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
    }

    private PeerLink of(String member, String endpoint) {
        return peers.computeIfAbsent(member + " " + endpoint, k -> new PeerLink(endpoint, member, transports, clock, retryPause, host));
    }

    private byte[] frame(Link link, PeerLink.Outbound m) {
        if (!link.needsSealing()) {
            return codec.seal(m.to(), m.type(), m.payload());
        }
        byte[] sealed = codec.seal(m.to(), m.type(), m.payload(), sealing.keyFor(m.to(), link));
        sealing.count("sealed");
        return sealed;
    }

    /**
     * @param member a member
     * @param endpoint where it is reached
     * @return the transport of the link open to it there, or ""
     */
    String transportOf(String member, String endpoint) {
        PeerLink p = peers.get(member + " " + endpoint);
        Link l = p == null ? null : p.link();
        return l != null && l.isOpen() ? l.transport() : "";
    }

    /** Queues a message; dropped when the queue is full (a probe: the next one follows). */
    void send(String to, String endpoint, String type, byte[] payload) {
        of(to, endpoint).send(new PeerLink.Outbound(to, type, payload));
    }

    /** Queues a message that must not be dropped: waits while the queue is full. */
    void sendWaiting(String to, String endpoint, String type, byte[] payload) {
        PeerLink p = of(to, endpoint);
        p.ensureLink();
        Link l = p.link();
        p.sendWaiting(new PeerLink.Outbound(to, type, payload, l != null && !l.needsSealing() ? codec.seal(to, type, payload) : null));
    }

    /**
     * @param member a member
     * @param endpoint where it is reached
     * @return completes once what was queued for it there has been written
     */
    CompletableFuture<Void> drained(String member, String endpoint) {
        PeerLink p = peers.get(member + " " + endpoint);
        return p == null ? CompletableFuture.completedFuture(null) : p.drained();
    }

    /** Closes the link to a member at an endpoint (it was expelled). */
    void close(String member, String endpoint) {
        PeerLink p = peers.remove(member + " " + endpoint);
        if (p != null) {
            p.close();
        }
    }

    /** Closes every link. */
    void closeAll() {
        peers.values().forEach(PeerLink::close);
        peers.clear();
    }
}
