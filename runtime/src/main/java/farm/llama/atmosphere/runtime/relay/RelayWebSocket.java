package farm.llama.atmosphere.runtime.relay;

import farm.llama.atmosphere.websocket.Frames;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The relay's network side: one listening socket (TLS when configured) serving two plain HTTP/1.1
 * GETs and the WebSocket endpoint (RFC 6455, server side). A connection is one virtual thread that
 * reads frames, unmasks them in bulk and hands whole messages to its {@link Handler}; writes are
 * serialized per connection.
 *
 * <p>What a stranger can cost is bounded here: connections are capped in total and per address
 * when they are accepted (over a cap: refused at once, before TLS or HTTP); the request head must
 * arrive whole within the handshake deadline and every message within the frame deadline (a peer
 * trickling a byte at a time is cut off); a payload is read in pieces into a buffer that grows with
 * what arrived, never allocated from the length a header claims; bytes held in partial messages are
 * counted, for connections not yet admitted apart. Written for the relay's hot path: Helidon's WebSocket server unmasked
 * client frames one byte at a time through its buffer abstraction, which capped a relayed model
 * transfer at about 20 MiB/s on two cores.
 */
final class RelayWebSocket implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RelayWebSocket.class.getName());
    private static final int MAX_HEAD = 16 * 1024;

    /** Receives one WebSocket connection's events, on that connection's thread. */
    interface Handler {
        /** @param session the connection, open */
        void opened(RelaySession session);

        /** @param text a whole text message */
        void text(String text);

        /** @param bytes a whole binary message */
        void binary(byte[] bytes);

        /** The connection ended, by either side. */
        void closed();

        /** @return the largest message accepted now (a connection not yet admitted gets less) */
        int limit();

        /** @param length a message over {@link #limit()} arrived; the connection is closed (1009) */
        void oversized(long length);

        /** @return whether the peer was admitted (its partial messages no longer count as a stranger's) */
        boolean admitted();
    }

    /** The bounds of the network side. */
    record Limits(int maxConnections, int maxConnectionsPerAddress, Duration handshakeTimeout, Duration frameTimeout) {
    }

    /** Told why a connection was refused or cut off by the network side: {@code busy}, {@code timeout}. */
    interface Refusals {
        /** @param reason what was refused */
        void refused(String reason);
    }

    /** What answers a plain HTTP GET: path → JSON body. */
    interface Pages {
        /** @param path the request path @return the JSON body, or empty for 404 */
        Optional<String> get(String path);
    }

    private final ServerSocket server;
    private final boolean tls;
    private final String path;
    private final int maxMessage;
    private final Limits limits;
    private final Refusals refusals;
    private final Supplier<Handler> handlers;
    private final Pages pages;
    private final Thread acceptor;
    private final ScheduledExecutorService watchdog;
    private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong heldPeak = new AtomicLong();
    private final AtomicLong strangers = new AtomicLong();
    private final AtomicLong strangersPeak = new AtomicLong();
    /** Connections that ended on an unexpected exception: a bug, whatever the peer sent (0 in a healthy relay). */
    private final AtomicLong internalErrors = new AtomicLong();
    private volatile boolean closed;

    /**
     * Binds and starts accepting.
     *
     * @param host the address to bind
     * @param port the port; 0 picks one
     * @param tls the server TLS context, when it serves {@code wss://}
     * @param path the WebSocket endpoint's path
     * @param maxMessage the largest message accepted; larger ones close the connection (1009)
     * @param limits connection caps and deadlines
     * @param refusals told of each connection refused or cut off here
     * @param handlers makes a handler per connection
     * @param pages answers plain GETs
     * @throws IOException if it cannot bind
     */
    RelayWebSocket(String host, int port, Optional<SSLContext> tls, String path, int maxMessage, Limits limits, Refusals refusals,
                   Supplier<Handler> handlers, Pages pages) throws IOException {
        this.server = tls.isPresent() ? tls.get().getServerSocketFactory().createServerSocket() : new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(host, port), 256);
        this.tls = tls.isPresent();
        this.path = path;
        this.maxMessage = maxMessage;
        this.limits = limits;
        this.refusals = refusals;
        this.handlers = handlers;
        this.pages = pages;
        long period = Math.clamp(Math.min(limits.handshakeTimeout().toMillis(), limits.frameTimeout().toMillis()) / 4, 50, 1000);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("atmosphere-relay-watchdog").factory());
        watchdog.scheduleAtFixedRate(this::checkDeadlines, period, period, TimeUnit.MILLISECONDS);
        this.acceptor = Thread.ofPlatform().daemon().name("atmosphere-relay-accept").start(this::accept);
    }

    /** @return bytes held now in partial messages, their peak, and the same for connections not yet admitted */
    Map<String, Long> held() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("heldBytes", held.get());
        m.put("heldBytesPeak", heldPeak.get());
        m.put("unadmittedHeldBytes", strangers.get());
        m.put("unadmittedHeldBytesPeak", strangersPeak.get());
        m.put("internalErrors", internalErrors.get());
        return m;
    }

    /** One accepted socket: its deadline (0 = none) and the bytes its partial message holds (its reading thread only). */
    private final class Conn {
        final Socket socket;
        volatile long deadline;
        volatile String phase = "request head";
        long holding;
        long holdingUnadmitted;

        Conn(Socket socket) {
            this.socket = socket;
            this.deadline = System.nanoTime() + limits.handshakeTimeout().toNanos();
        }

        void hold(long delta, boolean admitted) {
            holding += delta;
            heldPeak.accumulateAndGet(held.addAndGet(delta), Math::max);
            if (!admitted) {
                holdingUnadmitted += delta;
                strangersPeak.accumulateAndGet(strangers.addAndGet(delta), Math::max);
            }
        }

        void release() {
            held.addAndGet(-holding);
            strangers.addAndGet(-holdingUnadmitted);
            holding = 0;
            holdingUnadmitted = 0;
        }
    }

    private void checkDeadlines() {
        long now = System.nanoTime();
        for (Conn c : conns) {
            long d = c.deadline;
            if (d != 0 && now - d > 0) {
                c.deadline = 0;
                conns.remove(c);
                refusals.refused("timeout");
                LOG.log(System.Logger.Level.DEBUG, () -> "cut off a relay connection from " + c.socket.getInetAddress().getHostAddress()
                        + ": its " + c.phase + " did not arrive whole in time");
                Thread.ofVirtual().name("atmosphere-relay-expire").start(() -> close(c.socket)); // closing TLS may write
            }
        }
    }

    /** @return whether the connection fits under both caps (and then counts against them) */
    private boolean admit(InetAddress address) {
        boolean[] room = {false};
        perAddress.compute(address, (a, n) -> {
            int now = n == null ? 0 : n;
            room[0] = now < limits.maxConnectionsPerAddress() && conns.size() < limits.maxConnections();
            return room[0] ? now + 1 : n;
        });
        return room[0];
    }

    private void leave(InetAddress address) {
        perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** Refuses a connection over a cap at once: a plain socket hears why in one HTTP answer, a TLS one is closed before its handshake. */
    private void refuseBusy(Socket s) {
        refusals.refused("busy");
        Thread.ofVirtual().name("atmosphere-relay-busy").start(() -> {
            try {
                if (!tls) {
                    s.setSoTimeout(1000);
                    Http1.respond(new BufferedOutputStream(s.getOutputStream()), "503 Service Unavailable",
                            "{\"type\":\"refused\",\"reason\":\"busy\",\"message\":\"the relay serves as many connections as it may"
                                    + " (in total or from this address); try again later\"}");
                    // read what the client sent before closing, or the close resets the connection before it reads the answer
                    s.shutdownOutput();
                    s.getInputStream().readNBytes(MAX_HEAD);
                }
            } catch (IOException e) {
                // closing anyway
            } finally {
                close(s);
            }
        });
    }

    /** @return the bound port */
    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, () -> "the relay stopped accepting connections: " + e.getMessage());
                }
                return;
            }
            if (closed) {
                close(s);
                return;
            }
            if (!admit(s.getInetAddress())) {
                refuseBusy(s);
                continue;
            }
            Conn c = new Conn(s);
            conns.add(c);
            Thread.ofVirtual().name("atmosphere-relay-conn").start(() -> {
                try {
                    serve(c);
                } finally {
                    conns.remove(c);
                    c.release();
                    leave(s.getInetAddress());
                }
            });
        }
    }

    private void serve(Conn conn) {
        Socket socket = conn.socket;
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) limits.handshakeTimeout().toMillis()); // and the watchdog holds the whole head to the same deadline
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            Map<String, String> head = Http1.readHead(in, MAX_HEAD);
            String[] line = head.getOrDefault("", "").split(" ");
            if (line.length < 3 || !line[0].equals("GET")) {
                Http1.respond(out, "405 Method Not Allowed", "{\"error\":\"only GET\"}");
                return;
            }
            String target = line[1].replaceAll("\\?.*", "");
            if (!target.equals(path)) {
                Optional<String> page = pages.get(target);
                Http1.respond(out, page.isPresent() ? "200 OK" : "404 Not Found", page.orElse("{\"error\":\"not found\"}"));
                return;
            }
            String key = head.get("sec-websocket-key");
            if (!"websocket".equalsIgnoreCase(head.getOrDefault("upgrade", "")) || key == null
                    || !"13".equals(head.getOrDefault("sec-websocket-version", ""))) {
                Http1.respond(out, "426 Upgrade Required", "{\"error\":\"a WebSocket (RFC 6455, version 13) upgrade is expected here\"}");
                return;
            }
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                    + Frames.acceptKey(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.setSoTimeout(0);
            conn.deadline = 0;
            conn.phase = "message";
            RelaySession session = new RelaySession(socket, out);
            Handler handler = handlers.get();
            try {
                handler.opened(session);
                frames(new DataInputStream(in), conn, session, handler);
            } finally {
                session.terminate();
                handler.closed();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "relay connection ended: " + e.getMessage());
        } catch (RuntimeException e) {
            internalErrors.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, () -> "relay connection failed: " + e, e);
        } finally {
            close(socket);
        }
    }

    /** Reads frames until the connection closes, and hands each whole message to the handler. */
    private void frames(DataInputStream in, Conn conn, RelaySession session, Handler handler) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        int messageOp = -1;
        while (session.isOpen()) {
            int b0;
            try {
                b0 = in.readUnsignedByte();
            } catch (EOFException | SocketException e) {
                return;
            }
            if (conn.deadline == 0) {
                conn.deadline = System.nanoTime() + limits.frameTimeout().toNanos();
            }
            Frames.Header h = Frames.readHeader(b0, in);
            boolean fin = h.fin();
            int op = h.op();
            long len = h.length();
            if (!h.masked()) {
                session.close(1002, "client frames must be masked");
                return;
            }
            int limit = Math.min(maxMessage, handler.limit());
            if (len < 0 || len > limit || message.size() + len > limit) {
                handler.oversized(message.size() + len);
                session.close(1009, "message too large");
                return;
            }
            byte[] payload = readPayload(in, (int) len, conn, handler.admitted());
            Frames.mask(payload, h.mask());
            boolean control = h.control();
            if (control ? messageOp < 0 : fin) {
                conn.deadline = 0; // a whole message, or a control frame between messages
            }
            if (!control && fin) {
                conn.release(); // handed on below, no longer held here
            }
            switch (op) {
                case Frames.PING -> session.frame(Frames.PONG, payload);
                case Frames.PONG -> {
                    // keep-alive answers carry nothing for the relay
                }
                case Frames.CLOSE -> {
                    session.close(1000, "");
                    return;
                }
                case Frames.TEXT, Frames.BINARY, Frames.CONTINUATION -> {
                    if (op != Frames.CONTINUATION) {
                        messageOp = op;
                        message.reset();
                    } else if (messageOp < 0) {
                        session.close(1002, "continuation without a message");
                        return;
                    }
                    if (fin && message.size() == 0) {
                        deliver(handler, messageOp, payload); // the common case: one frame, no copy
                    } else {
                        message.write(payload, 0, payload.length);
                        if (fin) {
                            deliver(handler, messageOp, message.toByteArray());
                            message.reset();
                        }
                    }
                    if (fin) {
                        messageOp = -1;
                    }
                }
                default -> {
                    session.close(1002, "unknown opcode " + op);
                    return;
                }
            }
        }
    }

    /** Reads a payload in pieces, growing the buffer only as bytes arrive. */
    private static byte[] readPayload(InputStream in, int len, Conn conn, boolean admitted) throws IOException {
        byte[] buf = new byte[Math.min(len, 64 * 1024)];
        int n = 0;
        while (n < len) {
            if (n == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(len, 2L * buf.length));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw new EOFException("the connection closed in the middle of a frame");
            }
            n += r;
            conn.hold(r, admitted);
        }
        return buf;
    }

    private static void deliver(Handler handler, int op, byte[] bytes) {
        if (op == Frames.TEXT) {
            handler.text(new String(bytes, StandardCharsets.UTF_8));
        } else {
            handler.binary(bytes);
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closed anyway
        }
        acceptor.interrupt();
        watchdog.shutdownNow();
    }
}
