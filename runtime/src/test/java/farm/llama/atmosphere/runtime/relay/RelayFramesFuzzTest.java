package farm.llama.atmosphere.runtime.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.util.Fuzz;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The relay's request head and WebSocket frames, fuzzed over real sockets: every connection ends
 * in an answer or a close, never on an unexpected exception ({@code internalErrors} stays 0), the
 * relay holds no more than a stranger may make it hold, and it keeps serving.
 */
class RelayFramesFuzzTest {

    private static final String UPGRADE = "GET " + RelayServer.PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    /** A client frame (masked, as RFC 6455 requires of clients). */
    static byte[] frame(int op, boolean fin, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | op);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else {
            out.write(0x80 | 126);
            out.write(payload.length >> 8);
            out.write(payload.length);
        }
        byte[] mask = {0x12, 0x34, 0x56, 0x78};
        out.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i & 3]);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Sends the bytes on a fresh connection (after a valid upgrade when asked) and reads until the relay closes it. */
    private static void exchange(int port, boolean upgrade, byte[] bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            if (upgrade) {
                s.getOutputStream().write(UPGRADE.getBytes(StandardCharsets.US_ASCII));
                readHead(s.getInputStream());
            }
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            byte[] sink = new byte[8192];
            while (in.read(sink) >= 0) {
                // until the relay closes
            }
        } catch (SocketTimeoutException e) {
            throw new IllegalStateException("the relay neither answered nor closed", e);
        } catch (java.net.SocketException e) {
            // reset by the relay: a refusal too
        }
    }

    private static void readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed during the upgrade");
            }
            head.append((char) c);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
    }

    @Test
    void requestHeadsAndFramesNeverBreakTheRelay() throws Exception {
        try (RelayServer relay = new RelayServer(RelayServer.Options.of("127.0.0.1", 0).failedAdmissions(1_000_000)
                .maxConnectionsPerAddress(1000))) {
            int port = relay.port();
            byte[] hello = "{\"type\":\"hello\",\"v\":2,\"mesh\":\"0123456789abcdef\",\"node\":\"fedcba9876543210\",\"nonce\":\"x\",\"chain\":[\"AAAA\"],\"sig\":\"AA==\"}"
                    .getBytes(StandardCharsets.UTF_8);
            byte[] join = ("{\"type\":\"join\",\"v\":2,\"nonce\":\"x\",\"ticket\":{\"v\":1,\"mesh\":\"0123456789abcdef\","
                    + "\"issuer\":\"fedcba9876543210\",\"id\":\"0011223344556677\",\"expiresAt\":9999999999,\"chain\":[\"AAAA\",\"AAAA\"],"
                    + "\"sig\":\"AA==\"},\"node\":\"x\",\"key\":\"AA==\",\"sig\":\"AA==\"}").getBytes(StandardCharsets.UTF_8);
            byte[] joinFrame = {RelayServer.JOIN, 0, 1, 'x', 1, 2, 3};
            List<byte[]> frames = List.of(frame(1, true, hello), concat(frame(1, true, join), frame(2, true, joinFrame)), concat(frame(1, false, "{\"type\":".getBytes(StandardCharsets.UTF_8)),
                    frame(9, true, new byte[4]), frame(0, true, "\"ping\"}".getBytes(StandardCharsets.UTF_8))),
                    concat(frame(2, true, new byte[300]), frame(8, true, new byte[] {0x03, (byte) 0xe8})));
            Fuzz.run("relay frames", frames, Set.of(IOException.class), 64 << 20, b -> exchange(port, true, b));
            // found by the fuzzer: a request head of blank lines ended the connection on an exception
            exchange(port, false, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(0L, ((Number) relay.stats().get("internalErrors")).longValue(), relay.stats().toString());
            Fuzz.run("relay request head", List.of(UPGRADE.getBytes(StandardCharsets.US_ASCII),
                    "GET /stats HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), Set.of(IOException.class), 64 << 20,
                    b -> exchange(port, false, b));
            var stats = relay.stats();
            assertEquals(0L, ((Number) stats.get("internalErrors")).longValue(), stats.toString());
            assertTrue(((Number) stats.get("unadmittedHeldBytesPeak")).longValue() <= 256 * 1024, stats.toString());
            // still serving
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write(UPGRADE.getBytes(StandardCharsets.US_ASCII));
                readHead(s.getInputStream());
            }
        }
    }
}
