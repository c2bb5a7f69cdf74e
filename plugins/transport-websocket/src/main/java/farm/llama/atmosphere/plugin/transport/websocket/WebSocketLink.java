package farm.llama.atmosphere.plugin.transport.websocket;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.TransportListener;
import farm.llama.atmosphere.websocket.Frames;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;

/**
 * One WebSocket over one TLS socket (RFC 6455 §5): binary data frames, fragmented frames
 * reassembled, ping answered with pong, close answered with close. A client masks what it sends,
 * as the RFC requires. A message larger than the limit closes the link with status 1009 — the
 * small limit while the peer has not presented a membership certificate — and a payload is read
 * in pieces into a buffer that grows with what arrived, never allocated from the length a header
 * claims. A message must arrive whole within the frame deadline; a link that hears nothing for the
 * idle time is closed, and each side pings when it has sent nothing for a third of that.
 */
final class WebSocketLink implements Link, Watchdog.Watched {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** The first piece a payload is read into; it doubles as bytes arrive. */
    private static final int PIECE = 64 * 1024;

    private final SSLSocket socket;
    private final boolean client;
    private final String remote;
    private final WebSocketSettings settings;
    private final Inbound counters;
    private final Inbound.Slot slot;
    private final TransportListener listener;
    private final Consumer<WebSocketLink> onClose;
    private final OutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final List<X509Certificate> peer;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean pinging = new AtomicBoolean();
    private volatile boolean open = true;
    /** When the message being read must be whole ({@link System#nanoTime()}), or 0 between messages. */
    private volatile long messageDeadline;
    private volatile long lastReceived = System.nanoTime();
    private volatile long lastSent = System.nanoTime();
    /** Bytes of the message being read, held until it is delivered (read thread only). */
    private long holding;

    WebSocketLink(SSLSocket socket, boolean client, String remote, WebSocketSettings settings, Inbound counters, Inbound.Slot slot,
                  TransportListener listener, Consumer<WebSocketLink> onClose) {
        this.socket = socket;
        this.client = client;
        this.remote = remote;
        this.settings = settings;
        this.counters = counters;
        this.slot = slot;
        this.listener = listener;
        this.onClose = onClose;
        OutputStream o;
        try {
            o = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
        } catch (IOException e) {
            o = OutputStream.nullOutputStream();
            open = false;
        }
        this.out = o;
        this.peer = peerChain(socket);
    }

    /** @return the chain the peer authenticated with at the TLS handshake, leaf first; empty for a joiner */
    static List<X509Certificate> peerChain(SSLSocket socket) {
        List<X509Certificate> certs = new ArrayList<>();
        try {
            for (Certificate c : socket.getSession().getPeerCertificates()) {
                if (c instanceof X509Certificate x) {
                    certs.add(x);
                }
            }
        } catch (SSLPeerUnverifiedException e) {
            // a joiner without a certificate yet
        }
        return List.copyOf(certs);
    }

    /** @return this link's place among inbound connections */
    Inbound.Slot slot() {
        return slot;
    }

    void startReading() {
        Thread.ofVirtual().name("atmosphere-ws-read " + remote).start(this::readLoop);
    }

    /** @return the largest message accepted now */
    private int limit() {
        return slot.isAuthenticated() ? settings.maxFrame() : settings.maxFrameUnauthenticated();
    }

    @Override
    public void check(long now) {
        if (!open) {
            return;
        }
        long deadline = messageDeadline;
        if (deadline != 0 && now - deadline > 0) {
            expire(Inbound.TIMEOUT, "a message did not arrive whole within " + settings.frameTimeout().toMillis() + " ms");
            return;
        }
        long idle = settings.idleTimeout().toNanos();
        if (now - lastReceived > idle) {
            expire(Inbound.IDLE, "silent for " + settings.idleTimeout().toMillis() + " ms");
            return;
        }
        if (now - lastSent > idle / 3 && pinging.compareAndSet(false, true)) {
            // off the watchdog's thread: a write can wait on a peer that reads slowly
            Thread.ofVirtual().name("atmosphere-ws-ping").start(() -> {
                try {
                    write(Frames.PING, new byte[0]);
                } catch (IOException e) {
                    finish("ping failed: " + e.getMessage());
                } finally {
                    pinging.set(false);
                }
            });
        }
    }

    private void readLoop() {
        String reason = "closed by peer";
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 16 * 1024));
            ByteArrayOutputStream message = null;
            while (open) {
                int b0 = in.read();
                if (b0 < 0) {
                    throw new EOFException();
                }
                lastReceived = System.nanoTime();
                if (messageDeadline == 0) {
                    messageDeadline = lastReceived + settings.frameTimeout().toNanos();
                }
                Frames.Header h = Frames.readHeader(b0, in);
                boolean fin = h.fin();
                int op = h.op();
                boolean masked = h.masked();
                long len = h.length();
                if (h.reserved()) {
                    reason = "protocol error: reserved bits set";
                    sendClose(1002);
                    break;
                }
                if (masked == client) {
                    reason = "protocol error: " + (client ? "the server masked a frame" : "the client sent an unmasked frame");
                    sendClose(1002);
                    break;
                }
                long pending = message == null ? 0 : message.size();
                int limit = limit();
                if (len < 0 || len + pending > limit) {
                    counters.count(Inbound.TOO_LARGE);
                    reason = "message larger than " + limit + " bytes" + (slot.isAuthenticated() ? "" : " (no membership certificate)");
                    sendClose(1009);
                    break;
                }
                byte[] payload = readPayload(in, (int) len);
                if (masked) {
                    Frames.mask(payload, h.mask());
                }
                lastReceived = System.nanoTime();
                if (message == null && (fin || op >= Frames.CLOSE)) {
                    messageDeadline = 0; // a whole message or a control frame between messages
                }
                switch (op) {
                    case Frames.BINARY, Frames.TEXT -> {
                        if (fin) {
                            deliver(payload);
                        } else {
                            message = new ByteArrayOutputStream();
                            message.write(payload);
                        }
                    }
                    case Frames.CONTINUATION -> {
                        if (message == null) {
                            reason = "protocol error: continuation without a start";
                            sendClose(1002);
                            open = false;
                        } else {
                            message.write(payload);
                            if (fin) {
                                messageDeadline = 0;
                                byte[] whole = message.toByteArray();
                                message = null;
                                deliver(whole);
                            }
                        }
                    }
                    case Frames.PING -> write(Frames.PONG, payload);
                    case Frames.PONG -> {
                        // keep-alive answered
                    }
                    case Frames.CLOSE -> {
                        sendClose(1000);
                        open = false;
                    }
                    default -> {
                        reason = "protocol error: opcode " + op;
                        sendClose(1002);
                        open = false;
                    }
                }
            }
        } catch (EOFException e) {
            reason = "connection closed";
        } catch (IOException e) {
            reason = open ? e.getMessage() : "closed";
        } catch (RuntimeException e) {
            reason = "listener failed: " + e;
        }
        finish(reason);
    }

    /** Reads a payload in pieces, growing the buffer only as bytes arrive. */
    private byte[] readPayload(DataInputStream in, int len) throws IOException {
        byte[] buf = new byte[Math.min(len, PIECE)];
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
            holding += r;
            slot.hold(r);
            lastReceived = System.nanoTime();
        }
        return buf;
    }

    private void deliver(byte[] whole) {
        slot.hold(-holding);
        holding = 0;
        listener.frame(this, whole);
    }

    private void sendClose(int status) {
        try {
            write(Frames.CLOSE, new byte[] {(byte) (status >> 8), (byte) status});
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void write(int op, byte[] payload) throws IOException {
        writeLock.lock();
        try {
            byte[] mask = null;
            if (client) {
                mask = new byte[4];
                RANDOM.nextBytes(mask);
            }
            Frames.write(out, op, payload, mask);
            out.flush();
            lastSent = System.nanoTime();
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public String transport() {
        return "websocket";
    }

    @Override
    public String remote() {
        return remote;
    }

    @Override
    public List<X509Certificate> peerCertificates() {
        return peer;
    }

    @Override
    public CompletableFuture<Void> send(byte[] frame) {
        if (!open) {
            return CompletableFuture.failedFuture(new CallFailedException(FailureKind.UNREACHABLE, "link to " + remote + " is closed"));
        }
        if (frame.length > settings.maxFrame()) {
            return CompletableFuture.failedFuture(new CallFailedException(FailureKind.INVALID_REQUEST,
                    "frame of " + frame.length + " bytes is larger than the limit of " + settings.maxFrame()));
        }
        try {
            write(Frames.BINARY, frame);
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            finish("write failed: " + e.getMessage());
            return CompletableFuture.failedFuture(new CallFailedException(FailureKind.UNREACHABLE,
                    "link to " + remote + " failed: " + e.getMessage(), e));
        }
    }

    @Override
    public boolean isOpen() {
        return open && !socket.isClosed();
    }

    @Override
    public void close() {
        if (open) {
            sendClose(1000);
        }
        finish("closed");
    }

    /** Closes the link for a deadline it missed, counted once, off the watchdog's thread (closing TLS may write). */
    private void expire(String counter, String reason) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        open = false;
        counters.count(counter);
        Thread.ofVirtual().name("atmosphere-ws-expire").start(() -> closeAndTell(reason));
    }

    private void finish(String reason) {
        if (finished.compareAndSet(false, true)) {
            open = false;
            closeAndTell(reason);
        } else {
            open = false;
            closeSocket();
        }
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closed anyway
        }
    }

    private void closeAndTell(String reason) {
        closeSocket();
        onClose.accept(this);
        try {
            listener.closed(this, reason);
        } catch (RuntimeException ignored) {
            // a listener's failure must not stop the transport
        }
    }
}
