package farm.llama.atmosphere.runtime.relay;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The HTTP/1.1 side of the relay's WebSocket upgrade: the request head and plain JSON answers. */
final class Http1 {

    /** The key every WebSocket server appends (RFC 6455). */

    private Http1() {
    }

    /**
     * @param in the connection
     * @param maxHead the longest head accepted, bytes
     * @return the request line under "" and the headers, names lower-cased
     * @throws IOException if it ends early or is too long
     */
    static Map<String, String> readHead(InputStream in, int maxHead) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(512);
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the connection closed before the request head ended");
            }
            head.write(c);
            if (head.size() > maxHead) {
                throw new IOException("request head over " + maxHead + " bytes");
            }
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : c == '\r' ? 1 : 0;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        headers.put("", lines.length == 0 ? "" : lines[0]); // a head of blank lines has no request line
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        return headers;
    }

    /** Writes a whole JSON response and ends the exchange. */
    static void respond(OutputStream out, String status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }
}
