package farm.llama.atmosphere.tests;

import farm.llama.atmosphere.runtime.mesh.MeshCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A man in the middle on the LAN: a TLS WebSocket server that poses as a mesh node, takes each
 * message a joiner sends, relays it to the real issuer's mesh port and hands the issuer's answer
 * back — keeping a copy of both, as an attacker would.
 */
final class CodeRelay implements AutoCloseable {

    /** What the joiners sent and what the issuer answered, as text. */
    final List<String> seen = new CopyOnWriteArrayList<>();
    private final SSLServerSocket server;
    private final int issuerPort;
    private final Thread acceptor;

    CodeRelay(int issuerPort) throws Exception {
        this.issuerPort = issuerPort;
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        var cert = MeshCertificates.root(keys.getPublic(), keys.getPrivate(), "not the issuer");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("relay", keys.getPrivate(), new char[0], new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), null, null);
        server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = Thread.ofVirtual().name("code-relay").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                SSLSocket joiner = (SSLSocket) server.accept();
                Thread.ofVirtual().start(() -> relay(joiner));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(SSLSocket joiner) {
        try (joiner; RawWebSocket issuer = RawWebSocket.tls(issuerPort)) {
            InputStream in = joiner.getInputStream();
            OutputStream out = joiner.getOutputStream();
            String head = head(in);
            String key = head.lines().filter(l -> l.toLowerCase().startsWith("sec-websocket-key:")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElseThrow();
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                    + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] asked = clientFrame(in);
            seen.add(new String(asked, StandardCharsets.UTF_8));
            issuer.upgrade("/atmosphere/mesh/v1");
            issuer.frame(2, asked);
            byte[] answer = issuer.readFrame();
            seen.add(new String(answer, StandardCharsets.UTF_8));
            out.write(0x82);
            if (answer.length < 126) {
                out.write(answer.length);
            } else {
                out.write(126);
                out.write(answer.length >>> 8);
                out.write(answer.length & 0xFF);
            }
            out.write(answer);
            out.flush();
            in.read(); // until the joiner closes
        } catch (Exception e) {
            seen.add("relay failed: " + e);
        }
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed in the HTTP head");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** One masked frame from a client: its payload. */
    private static byte[] clientFrame(InputStream in) throws IOException {
        in.read();
        long len = RawWebSocket.payloadLength(in, in.read());
        byte[] mask = in.readNBytes(4);
        byte[] payload = in.readNBytes((int) len);
        for (int i = 0; i < payload.length; i++) {
            payload[i] ^= mask[i % 4];
        }
        return payload;
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
    }
}
