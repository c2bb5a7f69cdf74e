package farm.llama.atmosphere.tests;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.relay.RelayServer;
import farm.llama.atmosphere.runtime.util.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The JDK's WebSocket client speaking the relay protocol by hand. */
final class RawRelayClient implements WebSocket.Listener, AutoCloseable {
    final LinkedBlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    final StringBuilder text = new StringBuilder();
    final WebSocket socket;

    RawRelayClient(int port) throws Exception {
        socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + RelayServer.PATH), this).get(10, TimeUnit.SECONDS);
    }

    JsonNode next() throws InterruptedException {
        JsonNode m = messages.poll(10, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("the relay did not answer within 10 s");
        }
        return m;
    }

    void send(JsonNode message) {
        socket.sendText(message.toString(), true).join();
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            messages.add(Json.parse(text.toString()));
            text.setLength(0);
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
        closed.countDown();
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        closed.countDown();
    }

    @Override
    public void close() {
        socket.abort();
    }

    /**
     * @param haystack bytes
     * @param needle bytes looked for
     * @return whether the needle occurs in the haystack
     */
    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
