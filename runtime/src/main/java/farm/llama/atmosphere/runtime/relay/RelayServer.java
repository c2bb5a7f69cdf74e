package farm.llama.atmosphere.runtime.relay;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.http.ApiServer;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import io.helidon.common.tls.Tls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * A relay ({@code atmosphere relay serve}): members of a mesh that cannot reach each other
 * directly each keep one outbound WebSocket here, and the relay passes envelopes between members
 * of the same mesh.
 *
 * <p>Admission: the relay sends a fresh random challenge; the node answers with its mesh id, its
 * membership chain up to the mesh root, the signed revocations it knows, and its Ed25519
 * signature over the challenge. The relay checks that the root hashes to the named mesh, the chain
 * leads to it and names the node, nobody in it is revoked, and the signature — so a non-member, a
 * member of another mesh, a revoked member and a replayed admission are refused (and counted).
 *
 * <p>A node that is not a member yet may be admitted for a join: it shows the join ticket of the
 * member that invited it (a public statement signed by that member, chaining to the mesh root
 * named in it — see {@code JoinTickets}) and signs the challenge with its node key; the relay then
 * passes its messages to that member only, and that member's answers back, under the limits of a
 * connection not admitted (256 KiB a message, {@value #JOIN_FRAMES_PER_MINUTE} messages a minute,
 * no longer than the ticket lasts or {@link #JOIN_LONGEST}). What they exchange is sealed to the
 * member by the joiner; whether the join is accepted stays the member's decision. Forged, expired
 * and wrong-mesh tickets are refused and counted like any failed admission.
 *
 * <p>The relay holds no secret and nothing on disk: what it knows (who is connected, the
 * revocations members told it) is rebuilt as members reconnect after a restart. Payloads are
 * sealed end-to-end by the members; the relay sees who talks to whom, when and how much.
 *
 * <p>Wire: text frames carry JSON control messages ({@code challenge}, {@code hello},
 * {@code admitted}, {@code refused}, {@code online}, {@code gone}, {@code revocation},
 * {@code ping}/{@code pong}); binary frames carry one envelope each, prefixed with a kind byte
 * (1), the length of a node id (2 bytes) and the node id: the recipient on the way in, the
 * admitted sender on the way out; kind 2 ({@link #JOIN}) carries join traffic between a joiner and
 * the member its ticket names. Relay protocol version {@value #VERSION} (2 since joins); a node
 * of another version is refused as {@code version}, with both named. Thread-safe.
 */
public final class RelayServer implements AutoCloseable {

    /** The relay's default port. */
    public static final int DEFAULT_PORT = 8765;
    /** Connections a relay serves at once unless told otherwise. */
    public static final int DEFAULT_MAX_CONNECTIONS = 1000;
    /** Connections from one address a relay serves at once unless told otherwise (a household behind one NAT). */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;
    /** The relay protocol version: 2 since joiners reach their issuer through the relay. */
    public static final int VERSION = 2;
    /** The path of the WebSocket endpoint. */
    public static final String PATH = "/relay";
    /** What a node signs to be admitted: this context, then the challenge, the mesh id and the node id. */
    public static final String ADMISSION_CONTEXT = "atmosphere-relay-admission-v1|";
    /** The kind byte of a binary frame that carries an envelope. */
    public static final byte ENVELOPE = 1;
    /** The kind byte of a binary frame that carries join traffic between a joiner and its issuer. */
    public static final byte JOIN = 2;
    /** What a joiner signs to be admitted: this context, then the challenge, the ticket id and its node id. */
    public static final String JOIN_CONTEXT = "atmosphere-relay-join-v1|";
    /** Messages a joiner may send a minute (a join is one or two). */
    public static final int JOIN_FRAMES_PER_MINUTE = 20;
    /** The longest a joiner stays connected, however long its ticket lasts (a join waits 10 min for approval by default). */
    public static final Duration JOIN_LONGEST = Duration.ofMinutes(30);

    private static final System.Logger LOG = System.getLogger(RelayServer.class.getName());
    static final SecureRandom RANDOM = new SecureRandom();
    static final int MAX_MESSAGE = 32 * 1024 * 1024;
    static final int ADMISSION_LIMIT = 256 * 1024;

    private final RelayWebSocket server;
    final Duration admissionTimeout;
    final Duration idleTimeout;
    final UnaryOperator<byte[]> forwarded;
    final FailedAdmissions failures;
    final Set<String> allowMeshes;
    final boolean tls;
    private final Instant started = Instant.now();
    final Map<String, Map<String, RelayPeer>> meshes = new ConcurrentHashMap<>();
    /** Joiners per mesh, by their node id. */
    final Map<String, Map<String, RelayPeer>> joining = new ConcurrentHashMap<>();
    final AtomicLong joinsAdmitted = new AtomicLong();
    final RelayRevocations revoked = new RelayRevocations();
    final Set<RelayPeer> connections = ConcurrentHashMap.newKeySet();
    final Map<String, AtomicLong> refused = new ConcurrentHashMap<>();
    final AtomicLong admitted = new AtomicLong();
    final AtomicLong forwardedMessages = new AtomicLong();
    final AtomicLong forwardedBytes = new AtomicLong();
    final AtomicLong unreachable = new AtomicLong();
    private final Thread sweeper;
    volatile boolean closed;

    /**
     * How a relay runs.
     *
     * @param host the address to bind
     * @param port the port; 0 picks a free one
     * @param maxConnections connections served at once; more are refused as {@code busy}
     * @param maxConnectionsPerAddress connections from one address at once; more are refused as {@code busy}
     * @param tls the server's TLS configuration ({@code wss://}), or empty for plain {@code ws://}
     * @param admissionTimeout how long a connection may take to send its request head, and then to be admitted
     * @param frameTimeout how long a message may take to arrive whole once its first byte arrived
     * @param idleTimeout how long an admitted connection may stay silent (members ping every 15 s)
     * @param forwarded applied to each envelope the relay passes on; identity in service, and a
     *                  way for tests to play a relay that alters what it forwards
     * @param failedAdmissions failed admissions a source address may cause per minute; after that its
     *                         connections are refused as {@code rate_limited} until the minute ends
     * @param allowMeshes the meshes this relay serves; empty serves any mesh whose members prove membership
     */
    public record Options(String host, int port, int maxConnections, int maxConnectionsPerAddress,
                          Optional<Tls> tls, Duration admissionTimeout, Duration frameTimeout,
                          Duration idleTimeout, UnaryOperator<byte[]> forwarded, int failedAdmissions, Set<String> allowMeshes) {

        /** Validates. */
        public Options {
            if (maxConnections < 1) {
                throw new AtmosphereException("A relay must serve at least one connection; got " + maxConnections + ".");
            }
            if (maxConnectionsPerAddress < 1) {
                throw new AtmosphereException("A relay must serve at least one connection per address; got " + maxConnectionsPerAddress + ".");
            }
            if (failedAdmissions < 1) {
                throw new AtmosphereException("A relay must allow at least one failed admission a minute; got " + failedAdmissions + ".");
            }
            for (String m : allowMeshes) {
                if (!m.matches("[0-9a-f]{16}")) {
                    throw new AtmosphereException("'" + m + "' is not a mesh id (16 hex digits, as 'atmosphere mesh' shows).");
                }
            }
            allowMeshes = Set.copyOf(allowMeshes);
        }

        /**
         * @param host the address to bind
         * @param port the port
         * @return the defaults: 1000 connections, 64 per address, plain WebSocket, 10 s to send the request head
         *         and 10 s more to be admitted, 60 s per message, 90 s of silence, 30 failed admissions per source
         *         address and minute, any mesh
         */
        public static Options of(String host, int port) {
            return new Options(host, port, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, Optional.empty(),
                    Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(90), UnaryOperator.identity(), 30, Set.of());
        }

        /** @param max connections served at once @return these options with that limit */
        public Options maxConnections(int max) {
            return new Options(host, port, max, maxConnectionsPerAddress, tls, admissionTimeout, frameTimeout, idleTimeout, forwarded,
                    failedAdmissions, allowMeshes);
        }

        /** @param max connections from one address at once @return these options with that limit */
        public Options maxConnectionsPerAddress(int max) {
            return new Options(host, port, maxConnections, max, tls, admissionTimeout, frameTimeout, idleTimeout, forwarded,
                    failedAdmissions, allowMeshes);
        }

        /** @param serverTls the server's TLS configuration @return these options serving {@code wss://} */
        public Options tls(Tls serverTls) {
            return new Options(host, port, maxConnections, maxConnectionsPerAddress, Optional.of(serverTls), admissionTimeout,
                    frameTimeout, idleTimeout, forwarded, failedAdmissions, allowMeshes);
        }

        /**
         * @param keystore a PKCS#12 file with the relay's key and certificate chain
         * @param password its password
         * @return these options serving {@code wss://}
         * @throws AtmosphereException naming the file when it cannot be used
         */
        public Options tlsKeystore(Path keystore, String password) {
            return tls(ApiServer.tls(keystore, password, "--tls-keystore"));
        }

        /** @param admission time to be admitted @param idle silence allowed @return these options with those timers */
        public Options timeouts(Duration admission, Duration idle) {
            return new Options(host, port, maxConnections, maxConnectionsPerAddress, tls, admission, frameTimeout, idle, forwarded,
                    failedAdmissions, allowMeshes);
        }

        /** @param frame time a message may take to arrive whole @return these options with that deadline */
        public Options frameTimeout(Duration frame) {
            return new Options(host, port, maxConnections, maxConnectionsPerAddress, tls, admissionTimeout, frame, idleTimeout, forwarded,
                    failedAdmissions, allowMeshes);
        }

        /** @param filter applied to what the relay forwards (tests) @return these options with it */
        public Options forwarding(UnaryOperator<byte[]> filter) {
            return new Options(host, port, maxConnections, maxConnectionsPerAddress, tls, admissionTimeout, frameTimeout, idleTimeout, filter,
                    failedAdmissions, allowMeshes);
        }

        /** @param perMinute failed admissions allowed per source address and minute @return these options with that limit */
        public Options failedAdmissions(int perMinute) {
            return new Options(host, port, maxConnections, maxConnectionsPerAddress, tls, admissionTimeout, frameTimeout, idleTimeout,
                    forwarded, perMinute, allowMeshes);
        }

        /** @param meshes the only meshes served (empty: any) @return these options serving only those */
        public Options allowMeshes(Set<String> meshes) {
            return new Options(host, port, maxConnections, maxConnectionsPerAddress, tls, admissionTimeout, frameTimeout, idleTimeout,
                    forwarded, failedAdmissions, meshes);
        }
    }

    /**
     * Starts a relay with the defaults.
     *
     * @param host the address to bind
     * @param port the port; 0 picks a free one
     * @throws AtmosphereException if it cannot listen
     */
    public RelayServer(String host, int port) {
        this(Options.of(host, port));
    }

    /**
     * Starts a relay.
     *
     * @param options how
     * @throws AtmosphereException if it cannot listen
     */
    public RelayServer(Options options) {
        String host = options.host();
        int port = options.port();
        this.allowMeshes = options.allowMeshes();
        this.failures = new FailedAdmissions(options.failedAdmissions());
        this.admissionTimeout = options.admissionTimeout();
        this.idleTimeout = options.idleTimeout();
        this.forwarded = options.forwarded();
        this.tls = options.tls().isPresent();
        try {
            this.server = new RelayWebSocket(host, port, options.tls().map(Tls::sslContext), PATH, MAX_MESSAGE,
                    new RelayWebSocket.Limits(options.maxConnections(), options.maxConnectionsPerAddress(), options.admissionTimeout(),
                            options.frameTimeout()),
                    reason -> refused.computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet(),
                    () -> new RelayPeer(this), page -> switch (page) {
                        case "/health" -> Optional.of(Json.write(Map.of("status", "ok", "version", VERSION)));
                        case "/stats" -> Optional.of(Json.write(stats()));
                        default -> Optional.empty();
                    });
        } catch (IOException e) {
            throw new AtmosphereException("The relay cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "). Is another program using the port? Choose another with --port.", e);
        }
        this.sweeper = Thread.ofVirtual().name("atmosphere-relay-sweeper").start(this::sweep);
    }

    /** @return the port the relay listens on */
    public int port() {
        return server.port();
    }

    /** @return the URL members put in {@code mesh.relays} when they reach this relay at the given host */
    public String url(String host) {
        return (tls ? "wss://" : "ws://") + host + ":" + port();
    }

    /**
     * @return what the relay has done: connections, admissions, refusals by reason, forwarded messages and
     *         bytes, and the bytes it holds in partial messages now and at most (for connections not yet admitted apart)
     */
    public Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("uptimeSeconds", Duration.between(started, Instant.now()).toSeconds());
        m.put("connections", connections.size());
        m.put("members", meshes.values().stream().mapToInt(Map::size).sum());
        m.put("meshes", (int) meshes.values().stream().filter(r -> !r.isEmpty()).count());
        m.put("revocationsHeld", revoked.held());
        m.put("admitted", admitted.get());
        m.put("joining", joining.values().stream().mapToInt(Map::size).sum());
        m.put("joinsAdmitted", joinsAdmitted.get());
        Map<String, Long> r = new TreeMap<>();
        for (String reason : List.of("malformed", "forged", "wrong_mesh", "revoked", "expired", "not_authorized", "replayed", "timeout",
                "busy", "too_large", "rate_limited", "not_allowed", "version")) {
            r.put(reason, 0L);
        }
        refused.forEach((k, v) -> r.put(k, v.get()));
        m.put("refused", r);
        m.put("forwarded", forwardedMessages.get());
        m.put("forwardedBytes", forwardedBytes.get());
        m.put("unreachable", unreachable.get());
        m.putAll(server.held());
        return m;
    }

    private void sweep() {
        while (!closed) {
            try {
                Thread.sleep(Math.max(100, Math.min(admissionTimeout.toMillis(), idleTimeout.toMillis()) / 4));
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (RelayPeer c : connections) {
                if (c.joining()) {
                    if (now - c.lastHeard() > idleTimeout.toNanos() || c.joinOver()) {
                        c.closeWith(1001, c.joinOver() ? "the join ticket expired or the join took " + JOIN_LONGEST.toMinutes() + " min"
                                : "silent for " + idleTimeout.toSeconds() + " s");
                    }
                } else if (c.node() == null && now - c.openedAt() > admissionTimeout.toNanos()) {
                    c.refuse("timeout", "no admission within " + admissionTimeout.toSeconds() + " s");
                } else if (c.node() != null && now - c.lastHeard() > idleTimeout.toNanos()) {
                    c.closeWith(1001, "silent for " + idleTimeout.toSeconds() + " s");
                }
            }
        }
    }

    /**
     * A mesh with no member connected leaves nothing behind: its room, the revocations and the
     * roster its members told. They tell them again when they reconnect, so the relay's memory is
     * bounded by its connections, not by the meshes anyone can mint.
     */
    void forgetIfEmpty(String meshId) {
        synchronized (meshes) {
            Map<String, RelayPeer> room = meshes.get(meshId);
            if (room == null || room.isEmpty()) {
                meshes.remove(meshId);
                revoked.forget(meshId);
            }
        }
    }

    /** At most this many revocations are kept per mesh (a mesh key can sign any number). */
    public static final int MAX_REVOKED_PER_MESH = RelayRevocations.MAX_PER_MESH;

    /** Checks revocations a member passes on and applies them: a revoked member still connected is cut off. */
    void learnRevocations(String meshId, X509Certificate root, JsonNode list) {
        for (String node : revoked.learn(meshId, root, list)) {
            RelayPeer c = meshes.getOrDefault(meshId, Map.of()).get(node);
            if (c != null) {
                c.refuse("revoked", "node " + node + " was revoked");
            }
        }
    }

    /**
     * @param challenge the relay's challenge (base64)
     * @param ticketId the join ticket shown
     * @param nodeId the joiner
     * @return the bytes a joiner signs to be admitted for a join
     */
    public static byte[] joinStatement(String challenge, String ticketId, String nodeId) {
        return (JOIN_CONTEXT + challenge + "|" + ticketId + "|" + nodeId).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param challenge the relay's challenge (base64)
     * @param meshId the mesh the node names
     * @param nodeId the node
     * @return the bytes a node signs to be admitted
     */
    public static byte[] statement(String challenge, String meshId, String nodeId) {
        return (ADMISSION_CONTEXT + challenge + "|" + meshId + "|" + nodeId).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closed = true;
        sweeper.interrupt();
        for (RelayPeer c : connections) {
            c.closeWith(1001, "the relay is stopping");
        }
        server.close();
    }
}
