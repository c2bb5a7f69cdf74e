package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.runtime.discovery.BackendState;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatStream;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A chat that has started on a backend: the route it took (after any failover), the first chunk
 * already received, and the rest to read. Close it when done or when the client goes away: that
 * cancels the generation at the backend.
 */
public final class ChatCall implements AutoCloseable {

    private final RouteDecision decision;
    private final ScoredCandidate served;
    private final BackendState backend;
    private final List<String> failedRoutes;
    private final ChatStream stream;
    private final long startNanos;
    private Optional<ChatChunk> pending;
    private boolean ended;
    private int completionTokens = -1;
    private int promptTokens = -1;
    private final AtomicBoolean closed = new AtomicBoolean();

    ChatCall(RouteDecision decision, ScoredCandidate served, BackendState backend, List<String> failedRoutes,
             ChatStream stream, Optional<ChatChunk> first, long startNanos) {
        this.decision = decision;
        this.served = served;
        this.backend = backend;
        this.failedRoutes = List.copyOf(failedRoutes);
        this.stream = stream;
        this.pending = first;
        this.ended = first.isEmpty();
        this.startNanos = startNanos;
    }

    /** @return the routing decision */
    public RouteDecision decision() {
        return decision;
    }

    /** @return the candidate that is serving the request */
    public ScoredCandidate served() {
        return served;
    }

    /** @return the backend serving it */
    public BackendState backend() {
        return backend;
    }

    /** @return routes tried before this one, each with why it failed */
    public List<String> failedRoutes() {
        return failedRoutes;
    }

    /**
     * @return the next chunk, or empty at the end
     * @throws CallFailedException if the backend fails mid-stream
     */
    public Optional<ChatChunk> next() {
        if (pending != null) {
            Optional<ChatChunk> p = pending;
            pending = null;
            note(p);
            return p;
        }
        if (ended) {
            return Optional.empty();
        }
        Optional<ChatChunk> c = stream.next();
        note(c);
        if (c.isEmpty()) {
            ended = true;
            finish();
        }
        return c;
    }

    /** @return whether the next {@link #next()} answers without waiting for the backend (see {@link ChatStream#buffered()}) */
    public boolean buffered() {
        return pending != null || ended || stream.buffered();
    }

    private void note(Optional<ChatChunk> c) {
        if (c.isPresent() && c.get().json().contains("\"completion_tokens\"")) {
            String json = c.get().json();
            int completion = count(json, "\"completion_tokens\"");
            if (completion >= 0) {
                completionTokens = completion;
            }
            int prompt = count(json, "\"prompt_tokens\"");
            if (prompt >= 0) {
                promptTokens = prompt;
            }
        }
    }

    /** @return the number after {@code "field":} in a usage chunk, -1 when there is none (a scan: no parse per chunk) */
    private static int count(String json, String field) {
        int i = json.indexOf(field);
        if (i < 0) {
            return -1;
        }
        i += field.length();
        while (i < json.length() && (json.charAt(i) == ' ' || json.charAt(i) == ':')) {
            i++;
        }
        long n = 0;
        int start = i;
        while (i < json.length() && Character.isDigit(json.charAt(i)) && n < Integer.MAX_VALUE) {
            n = n * 10 + (json.charAt(i++) - '0');
        }
        return i == start ? -1 : (int) Math.min(n, Integer.MAX_VALUE);
    }

    /** @return the prompt tokens the backend reported in its usage, 0 until (or unless) it did */
    public int promptTokens() {
        return Math.max(0, promptTokens);
    }

    /** @return the completion tokens the backend reported in its usage, 0 until (or unless) it did */
    public int completionTokens() {
        return Math.max(0, completionTokens);
    }

    private void finish() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (completionTokens > 0 && seconds > 0) {
            backend.sampleSpeed(completionTokens / seconds);
        }
        close();
    }

    /** Ends the call: cancels the backend's generation if it is still running, and frees its slot. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            stream.close(); // aborts the generation if it is still running
            backend.release();
        }
    }
}
