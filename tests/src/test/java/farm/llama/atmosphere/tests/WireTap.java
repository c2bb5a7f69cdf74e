package farm.llama.atmosphere.tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of a relay that keeps every byte the relay received from its clients, and
 * the WebSocket messages those bytes carry, unmasked (RFC 6455 §5.3: a client masks every frame,
 * so a search of the raw bytes alone would miss a plaintext secret).
 */
final class WireTap implements AutoCloseable {

    private final ServerSocket server;
    private final int target;
    private final List<ByteArrayOutputStream> streams = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    /** @param target the relay's port on loopback */
    WireTap(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    /** @return the port clients connect to */
    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket relay = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(relay);
                ByteArrayOutputStream seen = new ByteArrayOutputStream();
                streams.add(seen);
                Thread.ofVirtual().start(() -> pipe(client, relay, seen));
                Thread.ofVirtual().start(() -> pipe(relay, client, null));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pipe(Socket from, Socket to, ByteArrayOutputStream seen) {
        byte[] buf = new byte[16384];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (seen != null) {
                    synchronized (seen) {
                        seen.write(buf, 0, n);
                    }
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException e) {
                // closed
            }
        }
    }

    /** @return every byte the relay received, one array per connection */
    List<byte[]> received() {
        List<byte[]> out = new ArrayList<>();
        for (ByteArrayOutputStream s : streams) {
            synchronized (s) {
                out.add(s.toByteArray());
            }
        }
        return out;
    }

    /** @return every WebSocket message the relay received (fragments joined, payloads unmasked), in order per connection */
    List<byte[]> messages() {
        List<byte[]> out = new ArrayList<>();
        for (byte[] stream : received()) {
            int i = headEnd(stream);
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (i >= 0 && i + 2 <= stream.length) {
                boolean fin = (stream[i] & 0x80) != 0;
                boolean masked = (stream[i + 1] & 0x80) != 0;
                long len = stream[i + 1] & 0x7f;
                int p = i + 2;
                if (len == 126) {
                    if (p + 2 > stream.length) {
                        break;
                    }
                    len = ((stream[p] & 0xff) << 8) | (stream[p + 1] & 0xff);
                    p += 2;
                } else if (len == 127) {
                    if (p + 8 > stream.length) {
                        break;
                    }
                    len = 0;
                    for (int k = 0; k < 8; k++) {
                        len = (len << 8) | (stream[p + k] & 0xff);
                    }
                    p += 8;
                }
                byte[] mask = masked ? Arrays.copyOfRange(stream, p, p + 4) : null;
                p += masked ? 4 : 0;
                if (p + len > stream.length) {
                    break; // the last frame had not arrived whole
                }
                for (int k = 0; k < len; k++) {
                    message.write(stream[p + k] ^ (mask == null ? 0 : mask[k & 3]));
                }
                if (fin) {
                    out.add(message.toByteArray());
                    message.reset();
                }
                i = p + (int) len;
            }
        }
        return out;
    }

    /** @return where the frames start: after the HTTP upgrade request's blank line, or -1 */
    private static int headEnd(byte[] s) {
        for (int i = 0; i + 3 < s.length; i++) {
            if (s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == '\r' && s[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
