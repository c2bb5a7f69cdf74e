package farm.llama.atmosphere.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The shared frame codec against RFC 6455's own examples, and around the length encodings' edges. */
class FramesTest {

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void theRfcExamplesEncodeAndDecodeByteForByte() throws Exception {
        // RFC 6455 §5.7: a single-frame unmasked text message, and the same masked
        byte[] hello = "Hello".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        Frames.write(plain, Frames.TEXT, hello, null);
        assertArrayEquals(bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f), plain.toByteArray());
        ByteArrayOutputStream masked = new ByteArrayOutputStream();
        Frames.write(masked, Frames.TEXT, hello, bytes(0x37, 0xfa, 0x21, 0x3d));
        assertArrayEquals(bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58), masked.toByteArray());
        assertArrayEquals("Hello".getBytes(StandardCharsets.US_ASCII), hello, "the caller's payload is not changed");

        DataInputStream in = new DataInputStream(new ByteArrayInputStream(masked.toByteArray()));
        Frames.Header h = Frames.readHeader(in.readUnsignedByte(), in);
        assertTrue(h.fin() && h.masked() && !h.reserved() && !h.control());
        assertEquals(Frames.TEXT, h.op());
        assertEquals(5, h.length());
        byte[] payload = in.readNBytes(5);
        Frames.mask(payload, h.mask());
        assertEquals("Hello", new String(payload, StandardCharsets.US_ASCII));
        // §4.2.2: the accept key of the example nonce
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Frames.acceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void lengthsRoundTripAcrossTheSevenSixteenAndSixtyFourBitEncodings() throws Exception {
        for (int len : new int[] {0, 1, 125, 126, 127, 65535, 65536, 70000}) {
            for (boolean mask : new boolean[] {false, true}) {
                byte[] payload = new byte[len];
                for (int i = 0; i < len; i++) {
                    payload[i] = (byte) (i * 31);
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Frames.write(out, Frames.BINARY, payload, mask ? bytes(1, 2, 3, 4) : null);
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(out.toByteArray()));
                Frames.Header h = Frames.readHeader(in.readUnsignedByte(), in);
                assertEquals(len, h.length(), "length " + len);
                assertEquals(mask, h.masked());
                byte[] got = in.readNBytes(len);
                if (mask) {
                    Frames.mask(got, h.mask());
                }
                assertArrayEquals(payload, got, "payload of " + len + (mask ? " masked" : ""));
                assertEquals(0, in.available(), "nothing after the frame");
            }
        }
    }

    @Test
    void controlFramesAndReservedBitsAreReported() throws Exception {
        DataInputStream ping = new DataInputStream(new ByteArrayInputStream(bytes(0x00)));
        Frames.Header h = Frames.readHeader(0x89, ping);
        assertTrue(h.control() && h.fin());
        assertEquals(Frames.PING, h.op());
        DataInputStream rsv = new DataInputStream(new ByteArrayInputStream(bytes(0x00)));
        assertTrue(Frames.readHeader(0xC1, rsv).reserved(), "RSV1 set");
        assertFalse(Frames.readHeader(0x01, new DataInputStream(new ByteArrayInputStream(bytes(0x00)))).fin(), "a first fragment");
    }
}
