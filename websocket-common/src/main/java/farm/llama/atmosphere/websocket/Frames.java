package farm.llama.atmosphere.websocket;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The WebSocket wire format (RFC 6455 §5): frame headers read and written, payloads masked, the
 * opcodes, and the handshake's accept key. Knows nothing of limits, deadlines or messages.
 */
public final class Frames {

    /** A continuation frame. */
    public static final int CONTINUATION = 0x0;
    /** A text frame (UTF-8). */
    public static final int TEXT = 0x1;
    /** A binary frame. */
    public static final int BINARY = 0x2;
    /** A close frame: control opcodes start here. */
    public static final int CLOSE = 0x8;
    /** A ping. */
    public static final int PING = 0x9;
    /** A pong. */
    public static final int PONG = 0xA;

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private Frames() {
    }

    /**
     * A frame's header.
     *
     * @param fin whether it ends its message
     * @param op its opcode
     * @param reserved whether any of RSV1–3 is set (no extension is negotiated: a protocol error)
     * @param masked whether the payload is masked (client to server frames must be, others must not)
     * @param length the payload's length as sent (may be negative or huge: the caller checks its limit)
     * @param mask the masking key, 4 bytes (zeros when not masked)
     */
    public record Header(boolean fin, int op, boolean reserved, boolean masked, long length, byte[] mask) {

        /** @return whether it is a control frame (close, ping, pong) */
        public boolean control() {
            return op >= CLOSE;
        }
    }

    /**
     * Reads the rest of a frame header, its first byte already read (the caller reads it alone, to
     * tell the end of the stream and to start its own clocks).
     *
     * @param b0 the first byte
     * @param in the stream, at the second byte
     * @return the header, the stream at the payload
     * @throws IOException if the stream fails or ends
     */
    public static Header readHeader(int b0, DataInputStream in) throws IOException {
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7F;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        boolean masked = (b1 & 0x80) != 0;
        byte[] mask = new byte[4];
        if (masked) {
            in.readFully(mask);
        }
        return new Header((b0 & 0x80) != 0, b0 & 0x0F, (b0 & 0x70) != 0, masked, len, mask);
    }

    /**
     * Masks or unmasks a payload in place (the same operation).
     *
     * @param payload the bytes
     * @param mask the 4-byte key
     */
    public static void mask(byte[] payload, byte[] mask) {
        for (int i = 0; i < payload.length; i++) {
            payload[i] ^= mask[i & 3];
        }
    }

    /**
     * Writes a whole message as one frame: header, masking key when given, payload (masked with it).
     *
     * @param out where to
     * @param op the opcode
     * @param payload the payload (not changed)
     * @param mask a 4-byte masking key (a client's frames), or null (a server's)
     * @throws IOException if writing fails
     */
    public static void write(OutputStream out, int op, byte[] payload, byte[] mask) throws IOException {
        int maskBit = mask == null ? 0 : 0x80;
        out.write(0x80 | op);
        if (payload.length < 126) {
            out.write(maskBit | payload.length);
        } else if (payload.length <= 0xFFFF) {
            out.write(maskBit | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length);
        } else {
            out.write(maskBit | 127);
            long n = payload.length;
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (n >>> shift));
            }
        }
        if (mask == null) {
            out.write(payload);
        } else {
            out.write(mask);
            byte[] masked = payload.clone();
            mask(masked, mask);
            out.write(masked);
        }
    }

    /**
     * @param key the client's {@code Sec-WebSocket-Key}
     * @return the {@code Sec-WebSocket-Accept} that answers it (RFC 6455 §4.2.2)
     */
    public static String acceptKey(String key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key.trim() + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this Java", e);
        }
    }
}
