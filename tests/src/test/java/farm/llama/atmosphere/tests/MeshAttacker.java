package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.util.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/** A WebSocket to a node's mesh port, with the TLS credentials given, that records what the node answers. */
class MeshAttacker implements AutoCloseable {

    final LinkedBlockingQueue<String> answers = new LinkedBlockingQueue<>();
    final WebSocket ws;

    /**
     * @param endpoint the node's mesh endpoint ({@code wss://host:port})
     * @param tls the credentials to present (a member's, a stranger's, none)
     */
    MeshAttacker(String endpoint, SSLContext tls) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(tls).build();
        ws = http.newWebSocketBuilder().buildAsync(URI.create(endpoint + "/atmosphere/mesh/v1"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                answers.add(new String(bytes, StandardCharsets.UTF_8));
                w.request(1);
                return CompletableFuture.completedFuture(null);
            }
        }).get(30, TimeUnit.SECONDS);
    }

    void send(byte[] frame) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(frame), true).get(30, TimeUnit.SECONDS);
    }

    JsonNode answer() throws Exception {
        String s = answers.poll(30, TimeUnit.SECONDS);
        assertTrue(s != null, "an answer from the node");
        return Json.parse(s);
    }

    @Override
    public void close() {
        ws.abort();
    }
}
