package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One member's outbound side: a link, opened on demand over the best transport that works — the
 * member's own endpoint first, then a relay (and the direct endpoint tried again now and then) —
 * and a bounded queue that never blocks the protocol: a member that cannot keep up loses
 * messages, as over UDP, except those sent {@link #sendWaiting waiting} (a stream's chunks). A link
 * is used only once its peer authenticated as this member.
 */
final class PeerLink {

    private static final System.Logger LOG = System.getLogger(PeerLink.class.getName());
    /** Messages queued for one member at most. */
    static final int MAX_QUEUE = 512;
    /** While on a relay, how often the direct endpoint is tried again. */
    private static final Duration DIRECT_RETRY = Duration.ofSeconds(30);
    /** How long a stream's chunk waits for room in the queue. */
    private static final Duration STREAM_WAIT = Duration.ofSeconds(30);

    /**
     * A message waiting in the queue: it is signed (and sealed, for a relay) when its link is known,
     * unless the sender signed it already for a direct link (large chunks are signed on the sending
     * threads, in parallel, rather than one after another on the queue).
     *
     * @param to the member
     * @param type the message type
     * @param payload the content
     * @param signed the envelope signed for a direct link, or null
     */
    record Outbound(String to, String type, byte[] payload, byte[] signed) {
        /** A message not signed yet. */
        Outbound(String to, String type, byte[] payload) {
            this(to, type, payload, null);
        }
    }

    /** What the peer needs of the runtime. */
    interface Host {
        /** @return whether the runtime is closed (nothing is opened or sent any more) */
        boolean closed();

        /**
         * @param link the link the message goes on
         * @param message the message
         * @return its envelope for that link (sealed end-to-end when the link passes a relay)
         * @throws MeshSecurityException if it cannot be sealed for want of the recipient's key
         */
        byte[] frame(Link link, Outbound message);

        /** A message was not sent: the recipient's key for sealing is not known yet. */
        void noKey();

        /** @param refusal a link refused: its peer is not who it should be */
        void refused(MeshSecurityException refusal);

        /**
         * Runs a slow job (a connection attempt) on a thread the runtime owns and stops when it closes.
         *
         * @param job the job
         */
        void background(Runnable job);
    }

    private final String endpoint;
    private final String member;
    private final List<Transport> transports;
    private final Clock clock;
    private final Duration retryPause;
    private final Host host;
    /** The link's answer to the last frame written (its send completes once the frame is out). */
    private volatile CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);
    private final ExecutorService out = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("atmosphere-mesh-out").factory());
    private final Semaphore room = new Semaphore(MAX_QUEUE);
    private volatile Link link;
    private volatile long pausedUntil;
    private volatile long directRetryAt;

    /**
     * @param endpoint where the member listens (or {@code relay:<its id>})
     * @param member its node id
     * @param transports this node's transports, in order of preference
     * @param clock the clock
     * @param retryPause how long an unreachable member is not tried again
     * @param host the runtime
     */
    PeerLink(String endpoint, String member, List<Transport> transports, Clock clock, Duration retryPause, Host host) {
        this.endpoint = endpoint;
        this.member = member;
        this.transports = transports;
        this.clock = clock;
        this.retryPause = retryPause;
        this.host = host;
    }

    /** @return the link in use, if one is open or was */
    Link link() {
        return link;
    }

    /** @param message queued, or dropped when the queue is full */
    void send(Outbound message) {
        if (room.tryAcquire()) {
            enqueue(message);
        }
    }

    /**
     * Like {@link #send} but waits (up to 30 s) while the queue is full instead of dropping: for streams.
     *
     * @param message the message
     */
    void sendWaiting(Outbound message) {
        try {
            if (room.tryAcquire(STREAM_WAIT.toMillis(), TimeUnit.MILLISECONDS) && !host.closed()) {
                enqueue(message);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void enqueue(Outbound message) {
        try {
            out.execute(() -> {
                room.release();
                write(message);
            });
        } catch (RejectedExecutionException e) {
            room.release();
        }
    }

    /** Opens the link now if there is none, in the caller's thread, so an unreachable member fails the caller at once. */
    synchronized void ensureLink() {
        Link l = link;
        if (l != null && l.isOpen()) {
            return;
        }
        link = open();
        pausedUntil = 0;
    }

    /** Tries the member's endpoint on every transport that understands it, then a relay. */
    private Link open() {
        if (host.closed()) {
            throw new IllegalStateException("the mesh runtime is closed");
        }
        CallFailedException last = null;
        for (Transport t : transports) {
            if (t.accepts(endpoint)) {
                try {
                    return verified(t.connect(endpoint));
                } catch (CallFailedException e) {
                    last = e;
                }
            }
        }
        String viaRelay = MeshRuntime.RELAY_SCHEME + member;
        if (!endpoint.equals(viaRelay)) {
            for (Transport t : transports) {
                if (t.accepts(viaRelay)) {
                    try {
                        Link l = verified(t.connect(viaRelay));
                        directRetryAt = clock.millis() + DIRECT_RETRY.toMillis();
                        CallFailedException why = last;
                        LOG.log(System.Logger.Level.DEBUG, () -> "reaching " + member + " through a relay: " + endpoint + " did not answer"
                                + (why == null ? "" : " (" + why.getMessage() + ")"));
                        return l;
                    } catch (CallFailedException e) {
                        last = last == null ? e : last;
                    }
                }
            }
        }
        throw last != null ? last : new CallFailedException(FailureKind.UNREACHABLE, "no transport of this node reaches " + endpoint);
    }

    /**
     * A link is to this member only if the peer authenticated as this member: whoever else
     * answers at its address (an address a liar gossiped, a machine that took over the IP) is
     * closed and counted, and never receives what was meant for the member.
     */
    private Link verified(Link l) {
        List<X509Certificate> peer = l.peerCertificates();
        if (!peer.isEmpty()) {
            String named = MeshCertificates.nodeIdOf(peer.get(0));
            if (!named.equals(member)) {
                l.close();
                host.refused(new MeshSecurityException(MeshSecurityException.Reason.IMPERSONATION, "impersonation"));
                LOG.log(System.Logger.Level.WARNING, () -> endpoint + " answered as member " + named + ", not " + member + ": link closed");
                throw new CallFailedException(FailureKind.REFUSED, endpoint + " answered as member " + named + ", not " + member);
            }
        }
        return l;
    }

    private void write(Outbound message) {
        Link l = link;
        if (l == null || !l.isOpen()) {
            if (clock.millis() < pausedUntil || host.closed()) {
                return;
            }
            try {
                l = open();
                link = l;
            } catch (CallFailedException | IllegalStateException e) {
                pausedUntil = clock.millis() + retryPause.toMillis();
                LOG.log(System.Logger.Level.DEBUG, () -> "cannot reach " + endpoint + ": " + e.getMessage());
                return;
            }
        } else if (l.needsSealing() && !endpoint.startsWith(MeshRuntime.RELAY_SCHEME) && clock.millis() >= directRetryAt) {
            retryDirect(l);
        }
        byte[] frame;
        try {
            frame = message.signed() != null && !l.needsSealing() ? message.signed() : host.frame(l, message);
        } catch (MeshSecurityException e) {
            host.noKey();
            LOG.log(System.Logger.Level.DEBUG, () -> "cannot seal a '" + message.type() + "' message for " + message.to() + ": " + e.getMessage());
            return;
        }
        lastWrite = l.send(frame).exceptionally(t -> {
            link = null;
            return null;
        });
    }

    /**
     * @return completes once every message queued before this call has been written to the link
     *         (or given up on): what a node that leaves waits for before it closes its links
     */
    CompletableFuture<Void> drained() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            out.execute(() -> lastWrite.whenComplete((r, t) -> done.complete(null)));
        } catch (RejectedExecutionException closed) {
            done.complete(null);
        }
        return done;
    }

    /** While on a relay, tries the direct endpoint now and then, in the runtime's background; switches when it answers. */
    private void retryDirect(Link relayed) {
        directRetryAt = clock.millis() + DIRECT_RETRY.toMillis();
        host.background(() -> {
            for (Transport t : transports) {
                if (t.accepts(endpoint) && !host.closed()) {
                    try {
                        link = verified(t.connect(endpoint));
                        relayed.close();
                        LOG.log(System.Logger.Level.DEBUG, () -> "reaching " + member + " directly again at " + endpoint);
                        return;
                    } catch (CallFailedException | IllegalStateException e) {
                        // stays on the relay
                    }
                }
            }
        });
    }

    /** Stops the queue (a stream waiting for room gives up) and closes the link. */
    void close() {
        out.shutdownNow();
        room.release(MAX_QUEUE); // wakes senders waiting for room: the queue takes nothing more
        Link l = link;
        if (l != null) {
            l.close();
        }
    }
}
