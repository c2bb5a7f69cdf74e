package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.TransportListener;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What an issuer answers on a join link (a joiner's, a short-code asker's, a cut-off member's):
 * each JSON message in order, and {@code {"status":"closed","error":…}} when the link closes.
 * Anything that is not JSON is not an answer and is dropped. Thread-safe.
 */
final class JoinAnswers implements TransportListener {

    private final LinkedBlockingQueue<JsonNode> queue = new LinkedBlockingQueue<>();

    @Override
    public void frame(Link link, byte[] frame) {
        try {
            queue.add(Json.parse(new String(frame, StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
            // not an answer
        }
    }

    @Override
    public void closed(Link link, String reason) {
        queue.add(Json.MAPPER.createObjectNode().put("status", "closed").put("error", reason));
    }

    /**
     * @param timeout how long to wait
     * @param unit its unit
     * @return the next answer, or null when none came in time
     * @throws InterruptedException if interrupted while waiting
     */
    JsonNode next(long timeout, TimeUnit unit) throws InterruptedException {
        return queue.poll(timeout, unit);
    }
}
