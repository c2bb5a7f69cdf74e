package farm.llama.atmosphere.runtime.relay;

import farm.llama.atmosphere.websocket.Frames;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One WebSocket connection's sending side. Thread-safe: frames are never interleaved. */
final class RelaySession {
    private final Socket socket;
    private final OutputStream out;
    private volatile boolean open = true;

    RelaySession(Socket socket, OutputStream out) {
        this.socket = socket;
        this.out = out;
    }

    /** @return whether it can still send (not closed or broken) */
    boolean isOpen() {
        return open;
    }

    /** @return the peer's IP address, as text */
    String remoteAddress() {
        return socket.getInetAddress().getHostAddress();
    }

    /** @param text a whole text message @return whether it was written */
    boolean sendText(String text) {
        return frame(Frames.TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** @param bytes a whole binary message @return whether it was written */
    boolean sendBinary(byte[] bytes) {
        return frame(Frames.BINARY, bytes);
    }

    synchronized boolean frame(int op, byte[] payload) {
        if (!open) {
            return false;
        }
        try {
            Frames.write(out, op, payload, null);
            out.flush();
            return true;
        } catch (IOException e) {
            terminate();
            return false;
        }
    }

    /**
     * Sends a close frame and closes the connection.
     *
     * @param code the status
     * @param reason why (short)
     */
    void close(int code, String reason) {
        byte[] why = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + Math.min(why.length, 123)];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(why, 0, payload, 2, payload.length - 2);
        frame(Frames.CLOSE, payload);
        terminate();
    }

    /** Closes the socket without a close frame; the reading thread then ends. */
    void terminate() {
        open = false;
        try {
            socket.close();
        } catch (IOException e) {
            // closed anyway
        }
    }
}
