package farm.llama.atmosphere.plugin.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.MeshCertificates;
import farm.llama.atmosphere.runtime.mesh.MeshTls;
import farm.llama.atmosphere.runtime.util.Fuzz;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.TransportListener;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * The mesh port's WebSocket frames, fuzzed over real TLS sockets as a stranger sends them (no
 * membership certificate): every link ends on a protocol refusal or a close, never on an
 * unexpected exception, and the bytes held for strangers never pass their 64 KiB allowance.
 */
class MeshPortFuzzTest {

    /** A client frame, masked. */
    private static byte[] frame(int op, boolean fin, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | op);
        out.write(0x80 | (payload.length < 126 ? payload.length : 126));
        if (payload.length >= 126) {
            out.write(payload.length >> 8);
            out.write(payload.length);
        }
        byte[] mask = {1, 2, 3, 4};
        out.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        return out.toByteArray();
    }

    @Test
    void framesFromAStrangerNeverBreakTheMeshPort() throws Exception {
        KeyPair mesh = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        X509Certificate root = MeshCertificates.root(mesh.getPublic(), mesh.getPrivate(), "fuzz");
        Identity node = Identity.generate("node");
        X509Certificate cert = MeshCertificates.member(root, mesh.getPrivate(), node.publicKey(), Duration.ofDays(1));
        SSLContext serverTls = MeshTls.member(node, List.of(cert), root, () -> MeshCertificates.Withdrawn.NONE, Clock.systemUTC(), e -> { });
        SSLContext joinerTls = MeshTls.joiner(root, Clock.systemUTC());
        List<String> endings = new CopyOnWriteArrayList<>();
        try (WebSocketTransport transport = new WebSocketTransport(WebSocketSettings.defaults())) {
            transport.start(new TransportOptions("127.0.0.1", 0, Optional.of(() -> serverTls)), new TransportListener() {
                @Override
                public void frame(Link link, byte[] frame) {
                    // taken: a stranger's whole message
                }

                @Override
                public void closed(Link link, String reason) {
                    endings.add(reason);
                }
            });
            int port = URI.create(transport.endpoints().get(0)).getPort();
            byte[] join = "{\"type\":\"join\",\"protocol\":5,\"request\":{\"nodeId\":\"x\"}}".getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream fragmented = new ByteArrayOutputStream();
            fragmented.writeBytes(frame(2, false, "{\"type\":".getBytes(StandardCharsets.UTF_8)));
            fragmented.writeBytes(frame(9, true, new byte[3]));
            fragmented.writeBytes(frame(0, true, "\"code\"}".getBytes(StandardCharsets.UTF_8)));
            Fuzz.run("mesh port frames", List.of(frame(2, true, join), fragmented.toByteArray(), frame(2, true, new byte[400])),
                    Set.of(IOException.class), 64 << 20, bytes -> {
                        try (SSLSocket s = (SSLSocket) joinerTls.getSocketFactory().createSocket("127.0.0.1", port)) {
                            s.setSoTimeout(15_000);
                            s.startHandshake();
                            s.getOutputStream().write(("GET " + WebSocketTransport.PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                            s.getOutputStream().write(bytes);
                            s.getOutputStream().flush();
                            // closing sends TLS close_notify after the bytes: the node reads them all, then the end
                        }
                    });
            for (int i = 0; i < 200 && transport.counters().getOrDefault("connections", 0L) > 0; i++) {
                Thread.sleep(50);
            }
            assertTrue(endings.size() >= Fuzz.SEEDS.length * Fuzz.CASES_PER_SEED / 2, "the fuzzed frames reached links: " + endings.size());
            List<String> broken = endings.stream().filter(r -> r.startsWith("listener failed")).toList();
            assertEquals(List.of(), broken, "links that ended on an unexpected exception");
            assertTrue(transport.counters().getOrDefault("unauthenticated_bytes_peak", 0L) <= 64 * 1024, transport.counters().toString());
        }
    }
}
