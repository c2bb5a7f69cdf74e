package farm.llama.atmosphere.plugin.transport.websocket;

import farm.llama.atmosphere.websocket.Frames;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The HTTP/1.1 upgrade that opens a WebSocket (RFC 6455 §4), both sides. */
final class Handshake {

    private static final int MAX_HEAD = 8192;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The other side answered, but not with a WebSocket upgrade. */
    static final class RefusedException extends IOException {
        RefusedException(String message) {
            super(message);
        }
    }

    private Handshake() {
    }

    static String accept(String key) {
        return Frames.acceptKey(key);
    }

    /** Client side: sends the upgrade request and checks the answer. */
    static void request(InputStream in, OutputStream out, String host, String path) throws IOException {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        String req = "GET " + path + " HTTP/1.1\r\n"
                + "Host: " + host + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "User-Agent: atmosphere\r\n\r\n";
        out.write(req.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Head head = read(in);
        if (!head.start().startsWith("HTTP/1.1 101")) {
            throw new RefusedException("expected '101 Switching Protocols', got '" + head.start() + "'");
        }
        if (!accept(key).equals(head.headers().get("sec-websocket-accept"))) {
            throw new RefusedException("wrong Sec-WebSocket-Accept");
        }
    }

    /** Server side: reads the upgrade request, answers 101 or an error status (and throws). */
    static void serve(InputStream in, OutputStream out, String path) throws IOException {
        Head head = read(in);
        String[] start = head.start().split(" ");
        String problem = null;
        if (start.length != 3 || !start[0].equals("GET") || !start[2].startsWith("HTTP/1.1")) {
            problem = "400 Bad Request";
        } else if (!start[1].equals(path)) {
            problem = "404 Not Found";
        } else if (!"websocket".equalsIgnoreCase(head.headers().getOrDefault("upgrade", ""))
                || !head.headers().getOrDefault("connection", "").toLowerCase(Locale.ROOT).contains("upgrade")
                || !"13".equals(head.headers().get("sec-websocket-version"))
                || head.headers().get("sec-websocket-key") == null) {
            problem = "426 Upgrade Required";
        }
        if (problem != null) {
            out.write(("HTTP/1.1 " + problem + "\r\nConnection: close\r\nContent-Length: 0\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            throw new RefusedException(problem + " for '" + head.start() + "'");
        }
        String resp = "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept(head.headers().get("sec-websocket-key")) + "\r\n\r\n";
        out.write(resp.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private record Head(String start, Map<String, String> headers) {
    }

    private static Head read(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection closed during the WebSocket handshake");
            }
            buf.write(b);
            if (buf.size() > MAX_HEAD) {
                throw new RefusedException("handshake head longer than " + MAX_HEAD + " bytes");
            }
            state = switch (state) {
                case 0, 2 -> b == '\r' ? state + 1 : 0;
                case 1, 3 -> b == '\n' ? state + 1 : (b == '\r' ? 1 : 0);
                default -> 0;
            };
        }
        String[] lines = buf.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        return new Head(lines.length == 0 ? "" : lines[0], headers);
    }
}
