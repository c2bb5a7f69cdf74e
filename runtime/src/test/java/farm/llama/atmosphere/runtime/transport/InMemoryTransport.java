package farm.llama.atmosphere.runtime.transport;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportListener;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Links between transports in the same JVM, for tests and simulations: a transport listens at
 * {@code memory://<name>} (the name from {@link TransportOptions#host()}), and frames are copied
 * and delivered in order on one virtual thread per link direction. Links are not authenticated
 * (the node's envelopes are). Thread-safe.
 */
public final class InMemoryTransport implements Transport {

    private static final Map<String, InMemoryTransport> LISTENING = new ConcurrentHashMap<>();
    private static final AtomicInteger LINKS = new AtomicInteger();

    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<Integer, MemoryLink> links = new ConcurrentHashMap<>();
    private volatile String name;
    private volatile TransportListener listener;

    @Override
    public String type() {
        return "memory";
    }

    @Override
    public void start(TransportOptions options, TransportListener listener) {
        this.listener = Objects.requireNonNull(listener);
        this.name = options.host();
        if (LISTENING.putIfAbsent(name, this) != null) {
            throw new IllegalStateException("memory://" + name + " is already listening");
        }
    }

    @Override
    public Link connect(String endpoint) {
        if (closed.get()) {
            throw new IllegalStateException("transport closed");
        }
        if (!accepts(endpoint)) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "not a memory:// endpoint: " + endpoint);
        }
        InMemoryTransport remote = LISTENING.get(endpoint.substring("memory://".length()));
        if (remote == null || remote.closed.get()) {
            throw new CallFailedException(FailureKind.UNREACHABLE, "nothing listens at " + endpoint);
        }
        int id = LINKS.incrementAndGet();
        MemoryLink local = new MemoryLink(this, "memory://" + remote.name, id);
        MemoryLink far = new MemoryLink(remote, "memory://" + (name == null ? "client-" + id : name), id);
        local.peer = far;
        far.peer = local;
        links.put(id, local);
        remote.links.put(id, far);
        remote.listener.opened(far);
        return local;
    }

    @Override
    public boolean accepts(String endpoint) {
        return endpoint.startsWith("memory://");
    }

    @Override
    public List<String> endpoints() {
        return name == null ? List.of() : List.of("memory://" + name);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (name != null) {
                LISTENING.remove(name, this);
            }
            links.values().forEach(MemoryLink::close);
        }
    }

    private static final class MemoryLink implements Link {
        private final InMemoryTransport owner;
        private final String remote;
        private final int id;
        private final ExecutorService delivery = Executors.newSingleThreadExecutor(Thread.ofVirtual().factory());
        private final AtomicBoolean open = new AtomicBoolean(true);
        private volatile MemoryLink peer;

        MemoryLink(InMemoryTransport owner, String remote, int id) {
            this.owner = owner;
            this.remote = remote;
            this.id = id;
        }

        @Override
        public String transport() {
            return "memory";
        }

        @Override
        public String remote() {
            return remote;
        }

        @Override
        public List<X509Certificate> peerCertificates() {
            return List.of();
        }

        @Override
        public CompletableFuture<Void> send(byte[] frame) {
            MemoryLink p = peer;
            if (!open.get() || p == null || !p.open.get()) {
                return CompletableFuture.failedFuture(new CallFailedException(FailureKind.UNREACHABLE, "link to " + remote + " is closed"));
            }
            byte[] copy = frame.clone();
            try {
                // frames sent before a close are still delivered, before the close, as on a socket
                p.delivery.execute(() -> {
                    TransportListener l = p.owner.listener;
                    if (l != null) {
                        l.frame(p, copy);
                    }
                });
            } catch (RejectedExecutionException e) {
                return CompletableFuture.failedFuture(new CallFailedException(FailureKind.UNREACHABLE, "link to " + remote + " is closed"));
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean isOpen() {
            return open.get();
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                owner.links.remove(id);
                TransportListener l = owner.listener;
                if (l != null) {
                    delivery.execute(() -> l.closed(this, "closed"));
                }
                delivery.shutdown();
                MemoryLink p = peer;
                if (p != null) {
                    p.close();
                }
            }
        }
    }
}
