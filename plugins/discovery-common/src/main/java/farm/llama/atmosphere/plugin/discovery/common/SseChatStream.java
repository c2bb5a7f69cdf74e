package farm.llama.atmosphere.plugin.discovery.common;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatStream;
import farm.llama.atmosphere.spi.FailureKind;
import java.io.IOException;
import java.util.Optional;

/**
 * An OpenAI-style server-sent-event stream of {@code chat.completion.chunk}s, read on the caller's
 * thread (source shared by the discovery plugins, compiled into each). Each {@code data:} event is
 * checked to be a JSON object and passed on as the backend wrote it; an {@code error} event fails
 * the call; {@code [DONE]} ends it and gives the connection back to the pool.
 */
public final class SseChatStream implements ChatStream {

    private final Http1.ResponseBody body;
    private final String backend;
    private final Http http;
    private final String path;
    private volatile boolean closed;
    private volatile boolean ended;
    private String ahead; // an event's data line that buffered() read

    /**
     * @param body the response body, positioned at the first event
     * @param backend the backend's id, for errors
     * @param http what turns I/O failures into failure kinds
     * @param path the request's path, for errors
     */
    public SseChatStream(Http1.ResponseBody body, String backend, Http http, String path) {
        this.body = body;
        this.backend = backend;
        this.http = http;
        this.path = path;
    }

    @Override
    public Optional<ChatChunk> next() {
        if (ended) {
            return Optional.empty();
        }
        try {
            String line;
            while ((line = ahead != null ? ahead : body.readLine()) != null) {
                ahead = null;
                if (!line.startsWith("data:")) {
                    continue; // the blank line that ends an event, a comment, another field
                }
                String data = line.substring(5).trim();
                if (data.equals("[DONE]")) {
                    ended = true;
                    body.close(); // the end: the connection goes back to the pool
                    return Optional.empty();
                }
                return Optional.of(chunk(data));
            }
            throw fail(new CallFailedException(FailureKind.BAD_RESPONSE, backend + " ended the stream without [DONE]"));
        } catch (IOException e) {
            if (closed) {
                throw new CallFailedException(FailureKind.CANCELLED, "the call to " + backend + " was stopped");
            }
            throw fail(http.failure(e, path));
        }
    }

    private ChatChunk chunk(String data) {
        JsonNode chunk;
        try {
            chunk = Http.JSON.readTree(data);
        } catch (IOException e) {
            throw fail(new CallFailedException(FailureKind.BAD_RESPONSE, backend + " sent an event that is not JSON"));
        }
        if (!chunk.isObject()) {
            throw fail(new CallFailedException(FailureKind.BAD_RESPONSE, backend + " sent an event that is not a JSON object"));
        }
        if (chunk.has("error")) {
            JsonNode err = chunk.get("error");
            throw fail(new CallFailedException(FailureKind.BAD_RESPONSE, backend + " failed mid-stream: "
                    + (err.isTextual() ? err.asText() : err.path("message").asText(err.toString()))));
        }
        boolean last = false;
        for (JsonNode choice : chunk.path("choices")) {
            last |= choice.hasNonNull("finish_reason");
        }
        return new ChatChunk(data, last);
    }

    /**
     * @return true when the next event's {@code data:} line has arrived whole (blank lines and comments before it are
     *         read past, never waited for): a line that is only partly here, or nothing, is false
     */
    @Override
    public boolean buffered() {
        if (ended || ahead != null) {
            return ahead != null;
        }
        try {
            String line;
            while ((line = body.readLineIfHere()) != null) {
                if (line.startsWith("data:")) {
                    ahead = line;
                    return true;
                }
            }
        } catch (IOException e) {
            // the next read meets the failure and reports it
        }
        return false;
    }

    private CallFailedException fail(CallFailedException e) {
        ended = true;
        body.abort();
        return e;
    }

    @Override
    public void close() {
        closed = true;
        if (!ended) {
            body.abort(); // a reader blocked on another thread fails at once; the backend stops generating
        }
    }
}
