package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a stranger on the network can make a node's mesh port hold: connections without a
 * membership certificate that claim huge frames, trickle their handshake or a frame, sit silent,
 * or pile up from one address. The node keeps serving its API and its members throughout, and
 * {@code GET /api/v1/mesh/stats} counts what it refused.
 */
class MeshPortLimitsTest {

    private static final String PATH = "/atmosphere/mesh/v1";
    private static final int SMALL = 64 * 1024;
    private static final String CHAT = """
            {"model":"llama3.2","messages":[{"role":"user","content":"still there?"}]}""";

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    private NodeHarness node(String name, String extra) throws Exception {
        NodeHarness n = new NodeHarness(dir.resolve(name), MeshTest.meshConfig(MeshTest.freePort(), extra)
                + "routing:\n  timeout: PT5S\n  queue-timeout: PT0.3S\n");
        open.add(n);
        return n;
    }

    private static String limits(int perAddress) {
        return """
                transport:
                  websocket:
                    handshake-timeout: PT2S
                    frame-timeout: PT2S
                    idle-timeout: PT3S
                    max-connections: 300
                    max-unauthenticated-per-address: %d
                """.formatted(perAddress);
    }

    /** A with a backend and B joined, over a mesh port with the given limits. */
    private NodeHarness[] mesh(String limits) throws Exception {
        FakeOllama ollama = new FakeOllama();
        open.add(ollama);
        NodeHarness a = node("a", limits + "backends:\n  - type: ollama\n    url: " + ollama.url() + "\n");
        NodeHarness b = node("b", limits);
        a.node.meshCreate("guarded");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        join(a, b);
        return new NodeHarness[] {a, b};
    }

    private static void join(NodeHarness founder, NodeHarness joiner) throws InterruptedException {
        joiner.node.meshJoin(founder.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(joiner.node.meshJoinStatus().state().wire()), "joined");
    }

    private static int meshPort(NodeHarness n) {
        return URI.create(String.valueOf(((List<?>) n.node.mesh().endpoints().orElse(List.of())).getFirst())).getPort();
    }

    private static long counter(NodeHarness n, String name) {
        return ((Number) n.node.meshStats().get("websocket").get(name)).longValue();
    }

    /** B asks for a chat that only A's backend serves: the member link still carries it. */
    private static void servedAcrossTheMesh(NodeHarness a, NodeHarness b) throws Exception {
        String aId = a.node.status().nodeId();
        NodeHarness.awaitTrue(() -> b.node.meshMembers().stream().anyMatch(m -> aId.equals(m.nodeId())
                && MeshTest.backendCapabilities(FakeBackend.JSON.valueToTree(m)) > 0), "A's capabilities at B");
        HttpResponse<String> r = b.post("/v1/chat/completions", CHAT);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(aId, r.headers().firstValue("x-atmosphere-node").orElseThrow());
    }

    @Test
    void strangersClaimingHugeFramesCostTheNodeNoMoreThanTheSmallLimit() throws Exception {
        NodeHarness[] m = mesh(limits(100));
        NodeHarness a = m[0];
        NodeHarness b = m[1];
        int port = meshPort(a);

        // the attack as first seen: upgrade without a certificate, then a frame header claiming ~16 MiB
        List<RawWebSocket> strangers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            RawWebSocket s = RawWebSocket.tls(port);
            strangers.add(s);
            assertTrue(s.upgrade(PATH).startsWith("HTTP/1.1 101"), "a stranger may open a link (a joiner has no certificate)");
            s.header(2, 16L * 1024 * 1024 - 1);
        }
        for (RawWebSocket s : strangers) {
            assertTrue(s.closedByPeer(), "a frame over the small limit closes the stranger's link");
            s.close();
        }
        assertEquals(60, counter(a, "too_large"));

        // frames under the limit that never finish: held only as far as they arrived, then cut off at the frame deadline
        strangers.clear();
        byte[] part = new byte[10 * 1024];
        for (int i = 0; i < 60; i++) {
            RawWebSocket s = RawWebSocket.tls(port);
            strangers.add(s);
            s.upgrade(PATH);
            s.header(2, SMALL - 100);
            s.send(part);
        }
        assertEquals(200, a.get("/health").statusCode(), "the API answers");
        HttpResponse<String> chat = a.post("/v1/chat/completions", CHAT);
        assertEquals(200, chat.statusCode(), chat.body());
        servedAcrossTheMesh(a, b);
        for (RawWebSocket s : strangers) {
            assertTrue(s.closedByPeer(), "an unfinished frame is cut off at its deadline");
            s.close();
        }
        NodeHarness.awaitTrue(() -> counter(a, "unauthenticated") == 0 && counter(a, "unauthenticated_bytes") == 0,
                "nothing held for strangers once they are gone: " + a.node.meshStats());
        assertTrue(counter(a, "timeout") >= 60, a.node.meshStats().toString());
        long peak = counter(a, "unauthenticated_bytes_peak");
        assertTrue(peak >= part.length, "partial frames were held, and counted: " + peak);
        assertTrue(peak <= 60L * part.length, "never more than had arrived (the frames claimed " + (SMALL - 100) + " bytes each): " + peak);
    }

    @Test
    void slowHandshakesSlowFramesAndSilentLinksAreClosedAtTheirDeadlines() throws Exception {
        NodeHarness[] m = mesh(limits(100));
        NodeHarness a = m[0];
        NodeHarness b = m[1];
        int port = meshPort(a);

        // the upgrade request, one byte every 200 ms: each read is quick, the whole is not
        try (RawWebSocket slow = RawWebSocket.tls(port)) {
            byte[] request = ("GET " + PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            assertTrue(slow.closedWhileTrickling(request, 200), "a trickled handshake is cut off");
        }
        // a frame, one byte every 200 ms
        try (RawWebSocket slow = RawWebSocket.tls(port)) {
            slow.upgrade(PATH);
            slow.header(2, 200);
            assertTrue(slow.closedWhileTrickling(new byte[200], 200), "a trickled frame is cut off");
        }
        assertTrue(counter(a, "timeout") >= 2, a.node.meshStats().toString());
        // a link that says nothing at all
        try (RawWebSocket silent = RawWebSocket.tls(port)) {
            silent.upgrade(PATH);
            assertTrue(silent.closedByPeer(), "a silent link is closed");
        }
        assertTrue(counter(a, "idle") >= 1, a.node.meshStats().toString());
        // members' links are never silent that long: they ping, and still carry requests
        servedAcrossTheMesh(a, b);
        assertEquals(0, counter(a, "unauthenticated"), a.node.meshStats().toString());
    }

    @Test
    void connectionsOverTheCapAreRefusedAtOnceAndMembersConnectOnceTheyGo() throws Exception {
        NodeHarness[] m = mesh(limits(3));
        NodeHarness a = m[0];
        NodeHarness b = m[1];
        int port = meshPort(a);
        List<RawWebSocket> strangers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RawWebSocket s = RawWebSocket.tls(port);
            strangers.add(s);
            assertTrue(s.upgrade(PATH).startsWith("HTTP/1.1 101"));
        }
        long busy = counter(a, "busy");
        assertThrows(IOException.class, () -> RawWebSocket.tls(port).upgrade(PATH),
                "a fourth connection from the same address is refused before its TLS handshake");
        assertEquals(busy + 1, counter(a, "busy"));
        assertEquals(3, counter(a, "unauthenticated"));
        // B authenticated with its membership certificate: its links do not count against strangers' cap
        servedAcrossTheMesh(a, b);

        for (RawWebSocket s : strangers) {
            s.close();
        }
        NodeHarness.awaitTrue(() -> counter(a, "unauthenticated") == 0, "the strangers' places freed");
        NodeHarness c = node("c", limits(3));
        join(a, c);
        servedAcrossTheMesh(a, c);
    }
}
