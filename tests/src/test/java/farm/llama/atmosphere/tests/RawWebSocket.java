package farm.llama.atmosphere.tests;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A WebSocket client written byte by byte, as an attacker would: it can send a frame header that
 * claims more than follows, trickle bytes, and hold a connection open. Client frames are masked
 * (RFC 6455 §5.3); server frames are read unmasked.
 */
final class RawWebSocket implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** A plain TCP connection (the relay's {@code ws://}). */
    static RawWebSocket plain(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(30_000);
        return new RawWebSocket(s);
    }

    /** The server's side of an accepted connection (a test double of a server reads the client's head with {@link #head}). */
    static RawWebSocket accepted(Socket s) throws IOException {
        return new RawWebSocket(s);
    }

    /** TLS 1.3 without a client certificate, trusting any server: a stranger at a node's mesh port. */
    static RawWebSocket tls(int port) throws Exception {
        return tls(port, "127.0.0.1");
    }

    /** The same from a given local address (another host of the LAN: any of 127.0.0.0/8 on loopback). */
    static RawWebSocket tls(int port, String from) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(30_000);
        s.startHandshake();
        return new RawWebSocket(s);
    }

    /** Sends the upgrade request for a path and reads the answer's status line and headers. @return the status line */
    String upgrade(String path) throws IOException {
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return head().split("\r\n")[0];
    }

    /** Reads an HTTP head (up to the empty line). */
    String head() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("closed during the HTTP head: " + b.toString(StandardCharsets.ISO_8859_1));
            }
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : c == '\r' ? 1 : 0;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Sends a frame header claiming a payload length, with a mask; the payload (if any) follows with {@link #sendMasked}. */
    void header(int opcode, long length) throws IOException {
        out.write(0x80 | opcode);
        if (length < 126) {
            out.write(0x80 | (int) length);
        } else if (length <= 0xFFFF) {
            out.write(0x80 | 126);
            out.write((int) (length >>> 8));
            out.write((int) length);
        } else {
            out.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                out.write((int) (length >>> (8 * i)));
            }
        }
        out.write(new byte[4]); // an all-zero mask: the payload goes as it is
        out.flush();
    }

    /** Sends payload bytes (under the all-zero mask of {@link #header}). */
    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends a whole frame. */
    void frame(int opcode, byte[] payload) throws IOException {
        header(opcode, payload.length);
        send(payload);
    }

    /** Sends raw bytes one at a time, a pause between each, until the peer closes (or the bytes run out). */
    void trickle(byte[] bytes, long pauseMs) throws IOException, InterruptedException {
        for (byte b : bytes) {
            out.write(b);
            out.flush();
            Thread.sleep(pauseMs);
        }
    }

    /**
     * Trickles bytes on another thread while this one waits for the peer to close.
     *
     * @return whether the peer closed the connection before the socket's read timeout
     */
    boolean closedWhileTrickling(byte[] bytes, long pauseMs) throws InterruptedException {
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                trickle(bytes, pauseMs);
            } catch (IOException | InterruptedException e) {
                // closed by the peer, as expected
            }
        });
        boolean closed = closedByPeer();
        writer.join();
        return closed;
    }

    /** Reads one server frame's payload (unmasked). */
    byte[] readFrame() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            throw new EOFException("closed");
        }
        return in.readNBytes((int) payloadLength(in, in.read()));
    }

    /** The payload length a frame's second byte (and the extended length after it, if any) says. */
    static long payloadLength(InputStream in, int b1) throws IOException {
        long len = b1 & 0x7F;
        if (len == 126) {
            len = (in.read() << 8) | in.read();
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | in.read();
            }
        }
        return len;
    }

    /** @return whether the peer closed the connection (a read ends, or fails) before the socket's read timeout */
    boolean closedByPeer() {
        try {
            byte[] buf = new byte[4096];
            while (true) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
