package farm.llama.atmosphere.plugin.transport.websocket;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportListener;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * Links over WebSocket (RFC 6455, binary frames) inside TLS 1.3. The server asks for a client
 * certificate but does not require one: a node that is joining has none yet, and the node decides
 * what an unauthenticated link may say. What a stranger can cost is bounded ({@link WebSocketSettings}):
 * inbound connections are capped in total and per address before any TLS work, the handshake and
 * every message have total deadlines, silent links are closed, and a peer without a membership
 * certificate may send only small messages. Which certificates are acceptable is the TLS context's
 * business (its trust manager checks the mesh chain), so this class never sees a key. Endpoints
 * look like {@code wss://10.0.0.5:11452}. Each link reads on its own virtual thread and writes
 * through a lock, so frames are whole and in order. Thread-safe.
 */
public final class WebSocketTransport implements Transport {

    private static final System.Logger LOG = System.getLogger(WebSocketTransport.class.getName());

    /** The request path of mesh links. */
    static final String PATH = "/atmosphere/mesh/v1";

    private final WebSocketSettings settings;
    private final Duration handshakeTimeout;
    private final Inbound inbound;
    private final Watchdog watchdog;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<WebSocketLink> links = ConcurrentHashMap.newKeySet();
    private volatile TransportOptions options;
    private volatile TransportListener listener;
    private volatile SSLServerSocket server;

    /**
     * @param maxFrame largest frame accepted from a member, bytes
     * @param handshakeTimeout how long TLS + upgrade may take
     */
    public WebSocketTransport(int maxFrame, Duration handshakeTimeout) {
        this(WebSocketSettings.defaults().withMaxFrame(maxFrame).withTimeouts(handshakeTimeout, WebSocketSettings.defaults().frameTimeout(),
                WebSocketSettings.defaults().idleTimeout()));
    }

    /** @param settings the limits and deadlines */
    WebSocketTransport(WebSocketSettings settings) {
        this.settings = Objects.requireNonNull(settings);
        this.handshakeTimeout = settings.handshakeTimeout();
        this.inbound = new Inbound(settings.maxConnections(), settings.maxUnauthenticatedPerAddress());
        Duration shortest = settings.handshakeTimeout();
        for (Duration d : List.of(settings.frameTimeout(), settings.idleTimeout().dividedBy(3))) {
            shortest = d.compareTo(shortest) < 0 ? d : shortest;
        }
        this.watchdog = new Watchdog(shortest);
    }

    @Override
    public Map<String, Long> counters() {
        return inbound.counters();
    }

    @Override
    public String type() {
        return "websocket";
    }

    @Override
    public void start(TransportOptions options, TransportListener listener) {
        this.options = Objects.requireNonNull(options);
        this.listener = Objects.requireNonNull(listener);
        if (!options.listens()) {
            return;
        }
        SSLContext tls = options.tls().orElseThrow(() ->
                new IllegalArgumentException("the WebSocket transport listens only with a TLS context (a mesh certificate)")).get();
        try {
            SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(options.host(), options.port()), 128);
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(new String[] {"TLSv1.3"});
            p.setWantClientAuth(true);
            s.setSSLParameters(p);
            server = s;
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.UNREACHABLE, "cannot listen on " + options.host() + ":" + options.port()
                    + ": " + e.getMessage() + ". Is another node using this port? Set mesh.port in config.yaml.", e);
        }
        Thread.ofPlatform().daemon().name("atmosphere-ws-accept").start(this::acceptLoop);
    }

    private void acceptLoop() {
        SSLServerSocket s = server;
        while (!closed.get()) {
            Socket socket;
            try {
                socket = s.accept();
            } catch (IOException e) {
                if (!closed.get()) {
                    LOG.log(System.Logger.Level.WARNING, () -> "mesh port: accept failed: " + e.getMessage());
                }
                continue;
            }
            if (closed.get()) {
                // accepted while closing (the JDK may close a listener blocked in accept() only once it wakes): not served
                closeQuietly(socket);
                break;
            }
            Optional<Inbound.Slot> slot = inbound.admit(socket.getInetAddress());
            if (slot.isEmpty()) {
                // over a cap: refused before any TLS work
                LOG.log(System.Logger.Level.DEBUG, () -> "mesh port: refused a connection from " + socket.getInetAddress().getHostAddress()
                        + ": busy (max-connections " + settings.maxConnections() + ", max-unauthenticated-per-address "
                        + settings.maxUnauthenticatedPerAddress() + ")");
                closeQuietly(socket);
                continue;
            }
            Thread.ofVirtual().name("atmosphere-ws-in").start(() -> accept((SSLSocket) socket, slot.get()));
        }
    }

    private void accept(SSLSocket socket, Inbound.Slot slot) {
        String remote = String.valueOf(socket.getRemoteSocketAddress());
        Deadline handshake = new Deadline(socket);
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) handshakeTimeout.toMillis());
            socket.startHandshake();
            if (!WebSocketLink.peerChain(socket).isEmpty()) {
                slot.authenticated(); // the trust manager checked the membership chain
            }
            Handshake.serve(socket.getInputStream(), socket.getOutputStream(), PATH);
            socket.setSoTimeout(0);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "mesh port: refused a link from " + remote + ": "
                    + (handshake.expired ? "no handshake within " + handshakeTimeout.toMillis() + " ms" : e.getMessage()));
            closeQuietly(socket);
            slot.release();
            return;
        } finally {
            watchdog.unwatch(handshake);
        }
        WebSocketLink link = new WebSocketLink(socket, false, "wss://" + hostPort(socket), settings, inbound, slot, listener,
                this::forget);
        if (!register(link)) {
            return;
        }
        listener.opened(link);
        link.startReading();
    }

    /** The handshake's total deadline: a peer that trickles its handshake is cut off when it passes. */
    private final class Deadline implements Watchdog.Watched {
        private final Socket socket;
        private final long at = System.nanoTime() + handshakeTimeout.toNanos();
        private volatile boolean expired;

        Deadline(Socket socket) {
            this.socket = socket;
            watchdog.watch(this);
        }

        @Override
        public void check(long now) {
            if (!expired && now - at > 0) {
                expired = true;
                watchdog.unwatch(this);
                inbound.count(Inbound.TIMEOUT);
                Thread.ofVirtual().name("atmosphere-ws-expire").start(() -> closeQuietly(socket));
            }
        }
    }

    private boolean register(WebSocketLink link) {
        links.add(link);
        watchdog.watch(link);
        if (closed.get()) {
            link.close();
            return false;
        }
        return true;
    }

    private void forget(WebSocketLink link) {
        links.remove(link);
        watchdog.unwatch(link);
        link.slot().release();
    }

    private static String hostPort(Socket s) {
        InetSocketAddress a = (InetSocketAddress) s.getRemoteSocketAddress();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    @Override
    public Link connect(String endpoint) {
        if (closed.get()) {
            throw new IllegalStateException("transport closed");
        }
        TransportOptions o = options;
        if (o == null) {
            throw new IllegalStateException("transport not started");
        }
        URI uri = parse(endpoint);
        SSLContext tls = o.tls().orElseThrow(() ->
                new CallFailedException(FailureKind.INVALID_REQUEST, "no TLS context to connect with")).get();
        int port = uri.getPort() < 0 ? 11452 : uri.getPort();
        SSLSocket socket = null;
        Deadline handshake = null;
        try {
            socket = (SSLSocket) tls.getSocketFactory().createSocket();
            handshake = new Deadline(socket);
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(uri.getHost(), port), (int) handshakeTimeout.toMillis());
            SSLParameters p = socket.getSSLParameters();
            p.setProtocols(new String[] {"TLSv1.3"});
            socket.setSSLParameters(p);
            socket.setSoTimeout((int) handshakeTimeout.toMillis());
            socket.startHandshake();
            Handshake.request(socket.getInputStream(), socket.getOutputStream(), uri.getHost() + ":" + port, PATH);
            socket.setSoTimeout(0);
        } catch (SSLHandshakeException e) {
            closeQuietly(socket);
            throw new CallFailedException(FailureKind.REFUSED, "TLS handshake with " + endpoint + " failed: " + e.getMessage(), e);
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            throw new CallFailedException(FailureKind.TIMEOUT, "no answer from " + endpoint + " within " + handshakeTimeout.toSeconds() + " s", e);
        } catch (SSLException | Handshake.RefusedException e) {
            closeQuietly(socket);
            throw new CallFailedException(FailureKind.REFUSED, endpoint + " refused the link: " + e.getMessage(), e);
        } catch (IOException e) {
            closeQuietly(socket);
            if (handshake != null && handshake.expired) {
                throw new CallFailedException(FailureKind.TIMEOUT, "no handshake with " + endpoint + " within "
                        + handshakeTimeout.toMillis() + " ms", e);
            }
            throw new CallFailedException(FailureKind.UNREACHABLE, "cannot reach " + endpoint + ": " + e.getMessage(), e);
        } finally {
            if (handshake != null) {
                watchdog.unwatch(handshake);
            }
        }
        WebSocketLink link = new WebSocketLink(socket, true, "wss://" + uri.getHost() + ":" + port, settings, inbound, inbound.outbound(),
                listener, this::forget);
        if (!register(link)) {
            throw new IllegalStateException("transport closed");
        }
        link.startReading();
        return link;
    }

    private static URI parse(String endpoint) {
        try {
            URI uri = new URI(endpoint);
            if (!"wss".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new CallFailedException(FailureKind.INVALID_REQUEST, "not a wss://host:port endpoint: " + endpoint);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "not a wss://host:port endpoint: " + endpoint, e);
        }
    }

    @Override
    public boolean accepts(String endpoint) {
        return endpoint != null && endpoint.startsWith("wss://");
    }

    @Override
    public List<String> endpoints() {
        ServerSocket s = server;
        if (s == null || s.isClosed()) {
            return List.of();
        }
        int port = s.getLocalPort();
        InetAddress bound = s.getInetAddress();
        if (!bound.isAnyLocalAddress()) {
            return List.of("wss://" + literal(bound) + ":" + port);
        }
        List<String> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback() || ni.isVirtual()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                        out.add("wss://" + a.getHostAddress() + ":" + port);
                    }
                }
            }
        } catch (SocketException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "cannot list network interfaces: " + e.getMessage());
        }
        out.add("wss://127.0.0.1:" + port);
        return List.copyOf(out);
    }

    private static String literal(InetAddress a) {
        String h = a.getHostAddress();
        return h.contains(":") ? "[" + h + "]" : h;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(server);
        for (WebSocketLink l : List.copyOf(links)) {
            l.close();
        }
        watchdog.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }
}
