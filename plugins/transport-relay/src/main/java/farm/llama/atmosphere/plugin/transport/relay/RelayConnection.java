package farm.llama.atmosphere.plugin.transport.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.transport.JoinPass;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.MeshCredentials;
import farm.llama.atmosphere.spi.transport.TransportListener;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * One relay, as this node sees it: a WebSocket kept open (re-opened after a pause that doubles
 * from {@code reconnect-min} to {@code reconnect-max} while the relay is away, and resets once it
 * admits this node again), the admission handshake, the members the relay says are connected, and
 * one {@link Link} per member this node exchanges envelopes with — and, on a member that admits
 * others, one per joiner the relay passes join traffic from. A node that is not a member yet opens
 * one connection with its {@link JoinPass} instead (no reconnects) and gets one link: to its
 * issuer. Thread-safe.
 */
final class RelayConnection {

    private static final System.Logger LOG = System.getLogger(RelayConnection.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMISSION_CONTEXT = "atmosphere-relay-admission-v1|";
    private static final String JOIN_CONTEXT = "atmosphere-relay-join-v1|";
    /** The relay protocol version this node speaks. */
    static final int VERSION = 2;
    /** The kind byte of a frame that carries an envelope between members. */
    static final byte ENVELOPE = 1;
    /** The kind byte of a frame that carries join traffic between a joiner and its issuer. */
    static final byte JOIN = 2;
    private static final int MAX_MESSAGE = 32 * 1024 * 1024;

    private final String url;
    private final MeshCredentials credentials;
    private final JoinPass pass;
    private final CompletableFuture<Void> firstAdmission = new CompletableFuture<>();
    private final RelayTransport.Timers timers;
    private final TransportListener listener;
    private final Consumer<NodeEvent> events;
    private final HttpClient http;
    private final Map<String, List<X509Certificate>> members = new ConcurrentHashMap<>();
    private final Map<String, RelayLink> links = new ConcurrentHashMap<>();
    /** Join traffic: on a member, one link per joiner; on a joiner, the link to its issuer. */
    private final Map<String, RelayLink> joinLinks = new ConcurrentHashMap<>();
    private final Object sendLock = new Object();
    private volatile WebSocket socket;
    private volatile CompletableFuture<?> sending = CompletableFuture.completedFuture(null);
    private volatile String state = "connecting";
    private volatile String lastError = "";
    private volatile boolean admitted;
    private volatile Instant since = Instant.now();
    private volatile double rttMs = -1;
    private volatile int revocationsSent;
    private volatile long reconnects;
    private volatile boolean closed;
    private volatile Thread loop;
    /** Completes with why the current connection ended. */
    private volatile CompletableFuture<String> current = new CompletableFuture<>();

    /**
     * @param url the relay
     * @param credentials this node's membership, or null for a joiner
     * @param pass a joiner's pass, or null for a member
     * @param timers the timers
     * @param trust how {@code wss://} relays are checked
     * @param listener told of links and frames
     * @param events told of admissions and losses
     */
    RelayConnection(String url, MeshCredentials credentials, JoinPass pass, RelayTransport.Timers timers, Optional<SSLContext> trust,
                    TransportListener listener, Consumer<NodeEvent> events) {
        this.url = url;
        this.events = events;
        this.credentials = credentials;
        this.pass = pass;
        this.timers = timers;
        this.listener = listener;
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(timers.connectTimeout());
        trust.ifPresent(client::sslContext);
        this.http = client.build();
    }

    String url() {
        return url;
    }

    String state() {
        return state + (lastError.isEmpty() ? "" : " (" + lastError + ")");
    }

    void start() {
        loop = Thread.ofVirtual().name("atmosphere-relay-" + url).start(this::run);
    }

    /** Connects, serves until the socket closes, pauses, and again, until closed. */
    private void run() {
        long pause = timers.reconnectMin().toMillis();
        while (!closed) {
            CompletableFuture<String> ended = new CompletableFuture<>();
            current = ended;
            try {
                state = "connecting";
                URI uri = URI.create(url.endsWith("/") ? url + "relay" : url + "/relay");
                socket = http.newWebSocketBuilder().connectTimeout(timers.connectTimeout())
                        .buildAsync(uri, new Listener(ended)).get(timers.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                long nextPing = System.nanoTime() + timers.pingInterval().toNanos();
                while (!closed && !ended.isDone()) {
                    try {
                        ended.get(Math.min(200, timers.pingInterval().toMillis()), TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        if (admitted && System.nanoTime() >= nextPing) {
                            nextPing = System.nanoTime() + timers.pingInterval().toNanos();
                            ping();
                        }
                    }
                }
                if (admitted) {
                    pause = timers.reconnectMin().toMillis(); // it worked: the next drop starts over
                }
                lastError = ended.isDone() ? ended.getNow("") : "";
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException | TimeoutException | IllegalArgumentException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                lastError = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            } finally {
                down();
            }
            if (pass != null) { // a joiner tries once: the join reports what went wrong
                firstAdmission.completeExceptionally(new CallFailedException(FailureKind.UNREACHABLE, "relay " + url
                        + (lastError.isEmpty() ? " closed the connection" : ": " + lastError)));
                return;
            }
            if (closed) {
                return;
            }
            state = "waiting";
            LOG.log(System.Logger.Level.DEBUG, "relay " + url + " is away (" + lastError + "); trying again in " + pause + " ms");
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
            reconnects++;
            pause = Math.min(pause * 2, timers.reconnectMax().toMillis());
        }
    }

    /** The socket is gone: every link through it closes, so the node finds another way. */
    private void down() {
        boolean was = admitted;
        admitted = false;
        WebSocket s = socket;
        socket = null;
        if (s != null) {
            s.abort();
        }
        members.clear();
        for (RelayLink l : links.values()) {
            l.gone("the connection to relay " + url + " closed");
        }
        links.clear();
        for (RelayLink l : joinLinks.values()) {
            l.gone("the connection to relay " + url + " closed");
        }
        joinLinks.clear();
        if (was) {
            since = Instant.now();
            event("relay.lost", Map.of("url", url, "reason", lastError.isEmpty() ? "the connection closed" : lastError));
        }
    }

    private void event(String type, Map<String, Object> data) {
        try {
            events.accept(new NodeEvent(type, Instant.now(), data));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "could not publish " + type + ": " + e);
        }
    }

    private void ping() {
        ObjectNode p = JSON.createObjectNode();
        p.put("type", "ping");
        p.put("t", System.nanoTime());
        sendText(p);
        if (credentials == null) {
            return;
        }
        List<String> revocations = credentials.revocations();
        if (revocations.size() != revocationsSent) {
            sendRevocations(revocations);
        }
    }

    private void sendRevocations(List<String> revocations) {
        ObjectNode r = JSON.createObjectNode();
        r.put("type", "revocation");
        ArrayNode list = r.putArray("revocations");
        for (String json : revocations) {
            try {
                list.add(JSON.readTree(json));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "skipped an unreadable revocation");
            }
        }
        revocationsSent = revocations.size();
        sendText(r);
    }

    private void sendText(ObjectNode message) {
        enqueue(s -> s.sendText(message.toString(), true));
    }

    /** Sends one message after the previous one finished: the JDK's WebSocket takes one at a time. */
    private CompletableFuture<Void> enqueue(Function<WebSocket, CompletableFuture<WebSocket>> op) {
        WebSocket s = socket;
        if (s == null) {
            return CompletableFuture.failedFuture(new CallFailedException(FailureKind.UNREACHABLE, "relay " + url + " is not connected"));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (sendLock) {
            sending = sending.handle((x, t) -> null).thenCompose(x -> op.apply(s)).whenComplete((x, t) -> {
                if (t == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(new CallFailedException(FailureKind.UNREACHABLE,
                            "sending through relay " + url + " failed: " + t.getMessage()));
                }
            });
        }
        return done;
    }

    private void handle(JsonNode m) {
        switch (m.path("type").asText()) {
            case "challenge" -> {
                int v = m.path("v").asInt(1);
                if (v != VERSION) {
                    lastError = "refused: version: the relay speaks relay protocol " + v + ", this node speaks relay protocol " + VERSION
                            + "; run the same version of Atmosphere on the relay and its nodes";
                    state = "refused";
                    LOG.log(System.Logger.Level.WARNING, () -> "relay " + url + ": " + lastError);
                    event("relay.refused", Map.of("url", url, "reason", "version"));
                    current.complete(lastError); // this connection ends here; the next attempt follows the usual backoff
                    return;
                }
                if (pass != null) {
                    join(m.path("nonce").asText());
                } else {
                    hello(m.path("nonce").asText());
                }
            }
            case "admitted" -> {
                for (JsonNode member : m.path("members")) {
                    members.put(member.path("node").asText(), chain(member.path("chain")));
                }
                admitted = true;
                state = "admitted";
                lastError = "";
                since = Instant.now();
                firstAdmission.complete(null);
                if (pass != null) {
                    LOG.log(System.Logger.Level.INFO, () -> "relay " + url + " admitted this node to reach " + pass.issuer()
                            + (members.containsKey(pass.issuer()) ? "" : ", which is not connected there now"));
                    return;
                }
                revocationsSent = credentials.revocations().size();
                LOG.log(System.Logger.Level.INFO, () -> "relay " + url + " admitted this node; " + members.size() + " other member"
                        + (members.size() == 1 ? "" : "s") + " connected there");
                event("relay.admitted", Map.of("url", url, "members", members.size()));
                ping();
                members.keySet().forEach(n -> listener.reachable(RelayTransport.SCHEME + n));
            }
            case "online" -> {
                String node = m.path("node").asText();
                members.put(node, chain(m.path("chain")));
                listener.reachable(RelayTransport.SCHEME + node);
            }
            case "gone" -> {
                String node = m.path("node").asText();
                if (m.path("join").asBoolean()) { // a joiner left (or was never there)
                    RelayLink j = joinLinks.remove(node);
                    if (j != null) {
                        j.gone("joiner " + node + " left relay " + url);
                    }
                    return;
                }
                members.remove(node);
                RelayLink l = links.remove(node);
                if (l != null) {
                    l.gone(node + " left relay " + url);
                }
                RelayLink j = pass != null ? joinLinks.remove(node) : null;
                if (j != null) {
                    j.gone(node + " is not connected to relay " + url);
                }
            }
            case "pong" -> {
                long sent = m.path("t").asLong();
                double sample = (System.nanoTime() - sent) / 1e6;
                rttMs = rttMs < 0 ? sample : rttMs * 0.7 + sample * 0.3;
            }
            case "refused" -> {
                lastError = "refused: " + m.path("reason").asText() + ": " + m.path("message").asText();
                firstAdmission.completeExceptionally(new CallFailedException(FailureKind.REFUSED, "relay " + url + " " + lastError));
                state = "refused";
                LOG.log(System.Logger.Level.WARNING, () -> "relay " + url + " refused this node: " + m.path("message").asText());
                event("relay.refused", Map.of("url", url, "reason", m.path("reason").asText()));
            }
            default -> LOG.log(System.Logger.Level.DEBUG, () -> "ignored a '" + m.path("type").asText() + "' message from relay " + url);
        }
    }

    /** Answers the relay's challenge: mesh, node, chain up to the root, revocations, and a signature. */
    private void hello(String challenge) {
        ObjectNode h = JSON.createObjectNode();
        h.put("type", "hello");
        h.put("v", VERSION);
        h.put("mesh", credentials.meshId());
        h.put("node", credentials.nodeId());
        h.put("nonce", challenge);
        ArrayNode c = h.putArray("chain");
        credentials.chain().forEach(der -> c.add(Base64.getEncoder().encodeToString(der)));
        ArrayNode revocations = h.putArray("revocations");
        for (String json : credentials.revocations()) {
            try {
                revocations.add(JSON.readTree(json));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "skipped an unreadable revocation");
            }
        }
        byte[] statement = (ADMISSION_CONTEXT + challenge + "|" + credentials.meshId() + "|" + credentials.nodeId())
                .getBytes(StandardCharsets.UTF_8);
        h.put("sig", Base64.getEncoder().encodeToString(credentials.sign(statement)));
        state = "admitting";
        sendText(h);
    }

    /** Answers the relay's challenge as a joiner: the issuer's ticket, this node's key and a signature. */
    private void join(String challenge) {
        ObjectNode h = JSON.createObjectNode();
        h.put("type", "join");
        h.put("v", VERSION);
        h.put("nonce", challenge);
        JsonNode ticket;
        try {
            ticket = JSON.readTree(pass.ticket());
        } catch (IOException e) {
            lastError = "the join ticket is unreadable";
            return;
        }
        h.set("ticket", ticket);
        h.put("node", pass.nodeId());
        h.put("key", Base64.getEncoder().encodeToString(pass.publicKey()));
        byte[] statement = (JOIN_CONTEXT + challenge + "|" + ticket.path("id").asText() + "|" + pass.nodeId())
                .getBytes(StandardCharsets.UTF_8);
        h.put("sig", Base64.getEncoder().encodeToString(pass.sign(statement)));
        state = "admitting";
        sendText(h);
    }

    private void frame(byte[] frame) {
        if (frame.length < 3 || (frame[0] != ENVELOPE && frame[0] != JOIN)) {
            return;
        }
        byte kind = frame[0];
        int len = ((frame[1] & 0xff) << 8) | (frame[2] & 0xff);
        if (3 + len > frame.length) {
            return;
        }
        String from = new String(frame, 3, len, StandardCharsets.UTF_8);
        // a joiner takes join traffic from its issuer only; a member, envelopes from members and join traffic from joiners
        if (pass != null && (kind != JOIN || !from.equals(pass.issuer()))) {
            return;
        }
        byte[] payload = Arrays.copyOfRange(frame, 3 + len, frame.length);
        boolean[] created = new boolean[1];
        RelayLink l = (kind == JOIN ? joinLinks : links).computeIfAbsent(from, n -> {
            created[0] = true;
            return new RelayLink(this, n, kind);
        });
        if (created[0]) {
            listener.opened(l);
        }
        listener.frame(l, payload);
    }

    /**
     * On a joiner: waits until the relay admitted this node, then links to its issuer.
     *
     * @param wait how long to wait for the admission
     * @return the link
     * @throws CallFailedException when the relay refused, is unreachable, or the issuer is not connected there
     */
    Link joinLink(java.time.Duration wait) {
        try {
            firstAdmission.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.UNREACHABLE, "interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof CallFailedException c ? c
                    : new CallFailedException(FailureKind.UNREACHABLE, "relay " + url + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new CallFailedException(FailureKind.TIMEOUT, "relay " + url + " did not admit this node within " + wait.toSeconds()
                    + " s (" + state() + ")");
        }
        if (!members.containsKey(pass.issuer())) {
            throw new CallFailedException(FailureKind.UNREACHABLE, "the issuer " + pass.issuer() + " is not connected to relay " + url
                    + " now");
        }
        return joinLinks.computeIfAbsent(pass.issuer(), n -> new RelayLink(this, n, JOIN));
    }

    /** @return a link to a member connected to this relay, or null */
    Link linkTo(String node) {
        if (!admitted || !members.containsKey(node)) {
            return null;
        }
        return links.computeIfAbsent(node, n -> new RelayLink(this, n, ENVELOPE));
    }

    /** @return whether this connection is for a join (a node that is not a member yet) */
    boolean joining() {
        return pass != null;
    }

    /** @return whether links through this connection can send: the relay admitted this node and it is not closed */
    boolean usable() {
        return admitted && !closed;
    }

    /** @return the certificates the relay vouched for a member with, or none */
    List<X509Certificate> certificatesOf(String node) {
        return members.getOrDefault(node, List.of());
    }

    /** @return who is told when a link closes */
    TransportListener listener() {
        return listener;
    }

    /** Sends one binary message after the ones before it. */
    CompletableFuture<Void> sendBinary(ByteBuffer message) {
        return enqueue(s -> s.sendBinary(message, true));
    }

    /** A link was closed by the node: it is forgotten. */
    void forget(RelayLink link) {
        (link.kind() == JOIN ? joinLinks : links).remove(link.node(), link);
    }

    Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", url);
        m.put("state", state);
        m.put("rttMs", rttMs < 0 ? null : Math.round(rttMs * 100) / 100.0);
        m.put("members", members.size());
        m.put("since", since.toString());
        m.put("reconnects", reconnects);
        m.put("error", lastError);
        return m;
    }

    void close() {
        closed = true;
        WebSocket s = socket;
        if (s != null) {
            try { // a close frame first, so the relay tells the others at once; the socket is aborted below either way
                s.sendClose(WebSocket.NORMAL_CLOSURE, "closing").get(500, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "relay " + url + " did not take the close frame: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
        down();
    }

    private static List<X509Certificate> chain(JsonNode list) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (JsonNode c : list) {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(c.asText()))));
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return List.of(); // the node then cannot seal for that member until it hears from it
        }
        return List.copyOf(out);
    }

    /** The JDK WebSocket's callbacks: reassembles messages and asks for the next one. */
    private final class Listener implements WebSocket.Listener {
        private final CompletableFuture<String> ended;
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        Listener(CompletableFuture<String> ended) {
            this.ended = ended;
        }

        @Override
        public void onOpen(WebSocket ws) {
            socket = ws; // before the first message: the challenge may arrive before buildAsync returns
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String whole = text.toString();
                text.setLength(0);
                try {
                    handle(JSON.readTree(whole));
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "relay " + url + " sent an unreadable control message: " + e);
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.write(bytes, 0, bytes.length);
            if (binary.size() > MAX_MESSAGE) {
                ended.complete("the relay sent a message over " + MAX_MESSAGE + " bytes");
                ws.abort();
                return null;
            }
            if (last) {
                byte[] whole = binary.toByteArray();
                binary.reset();
                try {
                    frame(whole);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "handling a frame from relay " + url + " failed: " + e);
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            ended.complete(state.equals("refused") ? lastError : "closed by the relay (" + status + (reason.isEmpty() ? "" : " " + reason) + ")");
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            ended.complete(error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage());
        }
    }
}
