package farm.llama.atmosphere.plugin.transport.websocket;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.TransportListener;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;

/**
 * One WebSocket over one TLS socket (RFC 6455 §5): binary data frames, fragmented frames
 * reassembled, ping answered with pong, close answered with close. A client masks what it sends,
 * as the RFC requires. Frames larger than the limit close the link with status 1009.
 */
final class WebSocketLink implements Link {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int OP_CONTINUATION = 0x0;
    private static final int OP_TEXT = 0x1;
    private static final int OP_BINARY = 0x2;
    private static final int OP_CLOSE = 0x8;
    private static final int OP_PING = 0x9;
    private static final int OP_PONG = 0xA;

    private final SSLSocket socket;
    private final boolean client;
    private final String remote;
    private final int maxFrame;
    private final TransportListener listener;
    private final Consumer<WebSocketLink> onClose;
    private final OutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final List<X509Certificate> peer;
    private volatile boolean open = true;

    WebSocketLink(SSLSocket socket, boolean client, String remote, int maxFrame, TransportListener listener,
                  Consumer<WebSocketLink> onClose) {
        this.socket = socket;
        this.client = client;
        this.remote = remote;
        this.maxFrame = maxFrame;
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
        this.peer = List.copyOf(certs);
    }

    void startReading() {
        Thread.ofVirtual().name("atmosphere-ws-read " + remote).start(this::readLoop);
    }

    private void readLoop() {
        String reason = "closed by peer";
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 16 * 1024));
            ByteArrayOutputStream message = null;
            while (open) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                boolean fin = (b0 & 0x80) != 0;
                int op = b0 & 0x0F;
                boolean masked = (b1 & 0x80) != 0;
                long len = b1 & 0x7F;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                if ((b0 & 0x70) != 0) {
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
                if (len < 0 || len + pending > maxFrame) {
                    reason = "frame larger than " + maxFrame + " bytes";
                    sendClose(1009);
                    break;
                }
                byte[] mask = new byte[4];
                if (masked) {
                    in.readFully(mask);
                }
                byte[] payload = new byte[(int) len];
                in.readFully(payload);
                if (masked) {
                    for (int i = 0; i < payload.length; i++) {
                        payload[i] ^= mask[i & 3];
                    }
                }
                switch (op) {
                    case OP_BINARY, OP_TEXT -> {
                        if (fin) {
                            listener.frame(this, payload);
                        } else {
                            message = new ByteArrayOutputStream();
                            message.write(payload);
                        }
                    }
                    case OP_CONTINUATION -> {
                        if (message == null) {
                            reason = "protocol error: continuation without a start";
                            sendClose(1002);
                            open = false;
                        } else {
                            message.write(payload);
                            if (fin) {
                                listener.frame(this, message.toByteArray());
                                message = null;
                            }
                        }
                    }
                    case OP_PING -> write(OP_PONG, payload);
                    case OP_PONG -> {
                        // keep-alive answered
                    }
                    case OP_CLOSE -> {
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

    private void sendClose(int status) {
        try {
            write(OP_CLOSE, new byte[] {(byte) (status >> 8), (byte) status});
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void write(int op, byte[] payload) throws IOException {
        writeLock.lock();
        try {
            int b1 = client ? 0x80 : 0;
            out.write(0x80 | op);
            if (payload.length < 126) {
                out.write(b1 | payload.length);
            } else if (payload.length <= 0xFFFF) {
                out.write(b1 | 126);
                out.write(payload.length >>> 8);
                out.write(payload.length);
            } else {
                out.write(b1 | 127);
                long l = payload.length;
                for (int i = 7; i >= 0; i--) {
                    out.write((int) (l >>> (8 * i)));
                }
            }
            if (client) {
                byte[] mask = new byte[4];
                RANDOM.nextBytes(mask);
                out.write(mask);
                byte[] masked = new byte[payload.length];
                for (int i = 0; i < payload.length; i++) {
                    masked[i] = (byte) (payload[i] ^ mask[i & 3]);
                }
                out.write(masked);
            } else {
                out.write(payload);
            }
            out.flush();
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
        if (frame.length > maxFrame) {
            return CompletableFuture.failedFuture(new CallFailedException(FailureKind.INVALID_REQUEST,
                    "frame of " + frame.length + " bytes is larger than the limit of " + maxFrame));
        }
        try {
            write(OP_BINARY, frame);
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

    private final java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();

    private void finish(String reason) {
        open = false;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closed anyway
        }
        if (finished.compareAndSet(false, true)) {
            onClose.accept(this);
            try {
                listener.closed(this, reason);
            } catch (RuntimeException ignored) {
                // a listener's failure must not stop the transport
            }
        }
    }
}
