package farm.llama.atmosphere.plugin.transport.relay;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.transport.JoinPass;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.MeshCredentials;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportListener;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * Reaches members through relays: one outbound WebSocket per relay the node knows, kept open
 * and re-opened with backoff, over which the node proves its membership once and then exchanges
 * envelopes with any member connected to the same relay. Endpoints look like
 * {@code relay:<node id>}. Links through a relay ask the node to seal payloads end-to-end
 * ({@link Link#needsSealing()}); the relay only sees who talks to whom. A node that is not a
 * member yet and holds a {@link JoinPass} reaches the issuer of its invite the same way, for the
 * join only. Thread-safe.
 */
final class RelayTransport implements Transport {

    /** The transport type. */
    static final String TYPE = "relay";
    /** The endpoint scheme. */
    static final String SCHEME = "relay:";

    /**
     * @param reconnectMin the first pause before reconnecting
     * @param reconnectMax the longest pause (the pause doubles up to it)
     * @param pingInterval how often a connection is pinged
     * @param connectTimeout how long opening a connection may take
     */
    record Timers(Duration reconnectMin, Duration reconnectMax, Duration pingInterval, Duration connectTimeout) {
    }

    private final Timers timers;
    private final Optional<SSLContext> trust;
    private final Consumer<NodeEvent> events;
    private final List<RelayConnection> connections = new CopyOnWriteArrayList<>();
    private volatile MeshCredentials credentials;
    private volatile JoinPass pass;
    private volatile boolean closed;

    RelayTransport(Timers timers, Optional<SSLContext> trust,
                   Consumer<NodeEvent> events) {
        this.timers = timers;
        this.trust = trust;
        this.events = events;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void start(TransportOptions options, TransportListener listener) {
        if (closed) {
            throw new IllegalStateException("the relay transport is closed");
        }
        credentials = options.credentials().orElse(null);
        pass = credentials == null ? options.join().orElse(null) : null;
        if (credentials == null && pass == null) {
            return; // not a member yet, and no invite to show: nothing to prove to a relay
        }
        for (String url : credentials != null ? credentials.relays() : pass.relays()) {
            RelayConnection c = new RelayConnection(url, credentials, pass, timers, trust, listener, events);
            connections.add(c);
            c.start();
        }
    }

    @Override
    public Link connect(String endpoint) {
        if (closed) {
            throw new IllegalStateException("the relay transport is closed");
        }
        if (!accepts(endpoint)) {
            throw new CallFailedException(FailureKind.UNREACHABLE, "not a relay endpoint: " + endpoint);
        }
        String node = endpoint.substring(SCHEME.length());
        if (connections.isEmpty()) {
            throw new CallFailedException(FailureKind.UNREACHABLE, pass != null ? "the invite names no relay"
                    : "this node knows no relay (set mesh.relays)");
        }
        JoinPass p = pass;
        if (p != null) {
            return joinLink(p, node);
        }
        for (RelayConnection c : connections) {
            Link l = c.linkTo(node);
            if (l != null) {
                return l;
            }
        }
        List<String> states = new ArrayList<>();
        connections.forEach(c -> states.add(c.url() + " " + c.state()));
        throw new CallFailedException(FailureKind.UNREACHABLE, "member " + node + " is not connected to any relay this node uses ("
                + String.join(", ", states) + ")");
    }

    /** A joiner's link to its issuer, through the first relay that admits it and where the issuer is connected. */
    private Link joinLink(JoinPass p, String node) {
        if (!node.equals(p.issuer())) {
            throw new CallFailedException(FailureKind.REFUSED, "a joiner reaches only the issuer of its invite (" + p.issuer() + ")");
        }
        List<String> failures = new ArrayList<>();
        for (RelayConnection c : connections) {
            try {
                return c.joinLink(timers.connectTimeout().plusSeconds(5));
            } catch (CallFailedException e) {
                failures.add(e.getMessage());
            }
        }
        throw new CallFailedException(FailureKind.UNREACHABLE, String.join("; ", failures));
    }

    @Override
    public boolean accepts(String endpoint) {
        return endpoint.startsWith(SCHEME) && endpoint.length() > SCHEME.length();
    }

    @Override
    public List<String> endpoints() {
        MeshCredentials c = credentials;
        return c == null || connections.isEmpty() ? List.of() : List.of(SCHEME + c.nodeId()); // a joiner is reached nowhere
    }

    @Override
    public Map<String, Object> status() {
        List<Map<String, Object>> relays = new ArrayList<>();
        connections.forEach(c -> relays.add(c.status()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("relays", relays);
        return m;
    }

    @Override
    public void close() {
        closed = true;
        connections.forEach(RelayConnection::close);
        connections.clear();
    }
}
