package farm.llama.atmosphere.plugin.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.MeshCertificates;
import farm.llama.atmosphere.runtime.mesh.MeshSecurityException;
import farm.llama.atmosphere.runtime.mesh.MeshTls;
import farm.llama.atmosphere.spi.contract.TransportContract;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportListener;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** The transport contract over real TLS sockets on loopback, plus what only mutual TLS can show. */
class WebSocketTransportTest extends TransportContract {

    private static final KeyPair MESH = generate();
    private static final X509Certificate ROOT = MeshCertificates.root(MESH.getPublic(), MESH.getPrivate(), "test");
    private static final List<MeshSecurityException> REFUSED = new CopyOnWriteArrayList<>();

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SSLContext memberTls(KeyPair mesh, X509Certificate root, Set<String> revoked) {
        Identity id = Identity.generate("n");
        X509Certificate cert = MeshCertificates.member(root, mesh.getPrivate(), id.publicKey(), Duration.ofDays(1));
        return MeshTls.member(id, List.of(cert), ROOT, () -> new farm.llama.atmosphere.runtime.mesh.MeshCertificates.Withdrawn(revoked, java.util.Map.of()), Clock.systemUTC(), REFUSED::add);
    }

    @Override
    protected Transport newTransport() {
        return new WebSocketTransport(1 << 20, Duration.ofSeconds(10));
    }

    @Override
    protected String listen(Transport t, TransportListener listener) {
        SSLContext tls = memberTls(MESH, ROOT, Set.of());
        t.start(new TransportOptions("127.0.0.1", 0, Optional.of(() -> tls)), listener);
        return t.endpoints().get(0);
    }

    @Test
    void linksCarryThePeersMembershipCertificate() throws Exception {
        Recorder server = new Recorder();
        try (Transport a = newTransport(); Transport b = newTransport()) {
            String endpoint = listen(a, server);
            listen(b, new Recorder());
            Link link = b.connect(endpoint);
            assertEquals(1, link.peerCertificates().size(), "the client sees the server's membership certificate");
            link.send("hi".getBytes(StandardCharsets.UTF_8)).join();
            assertTrue(server.expected.await(30, TimeUnit.SECONDS));
            assertEquals(1, server.opened.get(0).peerCertificates().size(), "the server sees the client's membership certificate");
            assertEquals(MeshCertificates.meshIdOf(ROOT), MeshCertificates.meshIdOf(server.opened.get(0).peerCertificates().get(0)));
        }
    }

    @Test
    void aMemberOfAnotherMeshIsRefusedAtTheHandshakeAndCounted() {
        KeyPair other = generate();
        X509Certificate otherRoot = MeshCertificates.root(other.getPublic(), other.getPrivate(), "other");
        Identity id = Identity.generate("stranger");
        X509Certificate cert = MeshCertificates.member(otherRoot, other.getPrivate(), id.publicKey(), Duration.ofDays(1));
        // it knows the real mesh's root (an invite is no secret) but holds a certificate of another mesh
        SSLContext strangerTls = MeshTls.member(id, List.of(cert), ROOT, () -> farm.llama.atmosphere.runtime.mesh.MeshCertificates.Withdrawn.NONE, Clock.systemUTC(), e -> { });
        Recorder server = new Recorder();
        try (Transport a = newTransport(); Transport stranger = newTransport()) {
            String endpoint = listen(a, server);
            stranger.start(new TransportOptions("127.0.0.1", TransportOptions.NO_LISTEN, Optional.of(() -> strangerTls)), new Recorder());
            int before = REFUSED.size();
            CallFailedException e = assertThrows(CallFailedException.class, () -> {
                Link l = stranger.connect(endpoint);
                // TLS 1.3: the server may refuse the client's certificate after the client finished; the link then dies
                l.send("x".getBytes(StandardCharsets.UTF_8)).join();
                for (int i = 0; i < 300 && l.isOpen(); i++) {
                    Thread.sleep(100);
                }
                if (!l.isOpen()) {
                    throw new CallFailedException(FailureKind.REFUSED, "closed by the server");
                }
            });
            assertTrue(e.kind() == FailureKind.REFUSED || e.kind() == FailureKind.UNREACHABLE, e.kind().toString());
            assertTrue(REFUSED.size() > before, "the refusal was reported");
            assertTrue(server.frames.isEmpty(), "nothing from the stranger arrived");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aJoinerWithoutCertificateConnectsUnderThePinnedRootAndAWrongPinIsRefused() throws Exception {
        Recorder server = new Recorder();
        try (Transport a = newTransport(); Transport joiner = newTransport(); Transport fooled = newTransport()) {
            String endpoint = listen(a, server);
            joiner.start(new TransportOptions("127.0.0.1", TransportOptions.NO_LISTEN, Optional.of(() -> MeshTls.joiner(ROOT, Clock.systemUTC()))), new Recorder());
            Link link = joiner.connect(endpoint);
            link.send("join".getBytes(StandardCharsets.UTF_8)).join();
            assertTrue(server.expected.await(30, TimeUnit.SECONDS));
            assertTrue(server.opened.get(0).peerCertificates().isEmpty(), "the joiner has no certificate yet");

            KeyPair other = generate();
            X509Certificate wrongPin = MeshCertificates.root(other.getPublic(), other.getPrivate(), "impostor");
            fooled.start(new TransportOptions("127.0.0.1", TransportOptions.NO_LISTEN, Optional.of(() -> MeshTls.joiner(wrongPin, Clock.systemUTC()))), new Recorder());
            assertEquals(FailureKind.REFUSED, assertThrows(CallFailedException.class, () -> fooled.connect(endpoint)).kind(),
                    "a server outside the pinned mesh is refused by the joiner");
        }
    }

    @Test
    void theJdkWebSocketClientSpeaksToIt() throws Exception {
        Recorder server = new Recorder();
        try (Transport a = newTransport()) {
            String endpoint = listen(a, server);
            HttpClient http = HttpClient.newBuilder().sslContext(MeshTls.joiner(ROOT, Clock.systemUTC())).build();
            CountDownLatch got = new CountDownLatch(1);
            List<String> received = new CopyOnWriteArrayList<>();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(endpoint + WebSocketTransport.PATH), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
                    byte[] b = new byte[data.remaining()];
                    data.get(b);
                    received.add(new String(b, StandardCharsets.UTF_8));
                    got.countDown();
                    webSocket.request(1);
                    return CompletableFuture.completedFuture(null);
                }
            }).get(30, TimeUnit.SECONDS);
            ws.sendBinary(ByteBuffer.wrap("from the JDK".getBytes(StandardCharsets.UTF_8)), true).get(30, TimeUnit.SECONDS);
            assertTrue(server.expected.await(30, TimeUnit.SECONDS));
            assertEquals("from the JDK", server.frames.get(0));
            server.opened.get(0).send("to the JDK".getBytes(StandardCharsets.UTF_8)).join();
            assertTrue(got.await(30, TimeUnit.SECONDS));
            assertEquals(List.of("to the JDK"), received);
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(30, TimeUnit.SECONDS);
            assertTrue(server.closedLatch.await(30, TimeUnit.SECONDS));
            assertFalse(server.opened.get(0).isOpen());
        }
    }
}
