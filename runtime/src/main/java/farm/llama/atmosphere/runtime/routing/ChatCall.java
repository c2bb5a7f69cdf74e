package farm.llama.atmosphere.runtime.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.discovery.BackendState;
import farm.llama.atmosphere.runtime.routing.RouterService.Resumption;
import farm.llama.atmosphere.runtime.routing.RouterService.Started;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.ChatStream;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A chat that has started on a backend: the route it took (after any failover), the first chunk
 * already received, and the rest to read. When its backend dies mid-answer, the call carries on
 * on the next candidate that can continue the answer (see {@link Continuation} and {@link Join}):
 * the reader sees one stream. Close it when done or when the client goes away: that cancels the
 * generation at the backend.
 */
public final class ChatCall implements AutoCloseable {

    private final RouteDecision decision;
    private final List<String> failedRoutes;
    private final Resumption resumption;
    private final ArrayDeque<ChatChunk> pending = new ArrayDeque<>();
    private final StreamedAnswer answer = new StreamedAnswer();
    private final ArrayNode continued = Json.MAPPER.createArrayNode();
    private volatile ScoredCandidate served;
    private volatile BackendState backend;
    private volatile ChatStream stream;
    private long startNanos;
    private int attempts;
    private Join join;
    private long diedAt = -1;
    private boolean ended;
    private int completionTokens = -1;
    private int promptTokens = -1;
    private boolean closed;
    private boolean holding = true;

    ChatCall(RouteDecision decision, Started started, List<String> failedRoutes, Resumption resumption) {
        this.decision = decision;
        this.failedRoutes = new ArrayList<>(failedRoutes);
        this.resumption = resumption;
        this.served = started.candidate();
        this.backend = started.backend();
        this.stream = started.stream();
        this.startNanos = started.t0();
        this.attempts = started.attempts();
        started.first().ifPresentOrElse(pending::add, () -> ended = true);
        if (ended) {
            finish();
        }
    }

    /** @return the routing decision */
    public RouteDecision decision() {
        return decision;
    }

    /** @return the candidate that is serving the request (after a continuation, the one that carries on) */
    public ScoredCandidate served() {
        return served;
    }

    /** @return the backend serving it */
    public BackendState backend() {
        return backend;
    }

    /** @return routes tried before this one, each with why it failed (mid-stream failures say so) */
    public List<String> failedRoutes() {
        return List.copyOf(failedRoutes);
    }

    /**
     * @return the next chunk, or empty at the end
     * @throws CallFailedException if the backend fails mid-stream and no other can carry on
     */
    public Optional<ChatChunk> next() {
        while (true) {
            ChatChunk p = pending.poll();
            if (p != null) {
                return Optional.of(seen(p));
            }
            if (ended) {
                return Optional.empty();
            }
            Optional<ChatChunk> c;
            try {
                c = stream.next();
            } catch (CallFailedException e) {
                carryOn(e);
                continue;
            }
            if (c.isEmpty()) {
                ended = true;
                if (join != null) {
                    pending.addAll(join.end());
                }
                finish();
            } else if (join == null) {
                return Optional.of(seen(c.get()));
            } else {
                pending.addAll(join.accept(Json.parse(c.get().json())));
                if (join.stopped()) {
                    ended = true; // a stop sequence across the join ended the answer: stop the generation
                    finish();
                }
            }
        }
    }

    /** @return whether the next {@link #next()} answers without waiting for the backend (see {@link ChatStream#buffered()}) */
    public boolean buffered() {
        return !pending.isEmpty() || ended || stream.buffered();
    }

    private ChatChunk seen(ChatChunk c) {
        String json = c.json();
        if (resumption != null) {
            int before = answer.tokens();
            answer.see(json);
            if (diedAt >= 0 && answer.tokens() > before) {
                noteFirstContinuedToken();
            }
            if (answer.usageCompletion() >= 0) {
                completionTokens = answer.usageCompletion();
            }
            if (answer.usagePrompt() >= 0) {
                promptTokens = answer.usagePrompt();
            }
        } else if (json.contains("\"completion_tokens\"")) {
            int completion = count(json, "\"completion_tokens\"");
            if (completion >= 0) {
                completionTokens = completion;
            }
            int prompt = count(json, "\"prompt_tokens\"");
            if (prompt >= 0) {
                promptTokens = prompt;
            }
        }
        return c;
    }

    /**
     * The backend failed mid-answer: carry on on another candidate, end quietly when the answer was
     * already whole, or fail as before.
     */
    private void carryOn(CallFailedException e) {
        if (resumption == null || e.kind() == FailureKind.CANCELLED || closedNow()) {
            throw e;
        }
        if (answer.finished()) { // it died after its finish reason: the answer is whole
            ended = true;
            finish();
            return;
        }
        JsonNode request = Json.parse(resumption.request().json());
        String never = Continuation.whyNever(request);
        String whyNot = never != null ? never : answer.whyNot();
        if (whyNot != null) {
            throw new CallFailedException(e.kind(), e.getMessage() + " (not carried on elsewhere: " + whyNot + ")", e);
        }
        long died = System.nanoTime();
        String deadRoute = resumption.router().routeOf(served.capability());
        int tokens = answer.tokens();
        boolean fresh = answer.text().isEmpty() && !Continuation.asksToContinue(request);
        Optional<String> body = fresh ? Optional.of(resumption.request().json()) : Continuation.body(request, answer.text(), tokens);
        if (body.isEmpty()) { // its token limit is spent: the answer ends as a backend ends one at max_tokens
            pending.add(Join.lengthEnd(answer));
            ended = true;
            finish();
            return;
        }
        List<String> tried = new ArrayList<>(failedRoutes);
        int before = tried.size();
        tried.add(deadRoute + " (mid-stream after " + tokens + " tokens, " + e.kind().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage() + ")");
        Attempts a = resumption.router().attempts();
        List<ScoredCandidate> successors = a.successors(resumption, decision, served);
        int budget = resumption.router().maxAttempts() - attempts;
        if (successors.isEmpty() || budget <= 0) {
            throw new CallFailedException(e.kind(), e.getMessage() + "; no other backend could carry on: " + (successors.isEmpty()
                    ? "no other candidate serves this request" : "it had tried routing.max-attempts candidates"), e);
        }
        Started next;
        try {
            ChatRequest req = new ChatRequest(resumption.request().model(), body.get(), resumption.request().timeout());
            next = a.run(successors, req, resumption.locality(), tried, budget, !fresh);
        } catch (CallFailedException none) {
            throw new CallFailedException(e.kind(), e.getMessage() + "; no other backend could carry on: " + none.getMessage(), e);
        }
        synchronized (this) {
            if (closed) {
                Attempts.closeQuietly(next.stream());
                next.backend().release();
                throw new CallFailedException(FailureKind.CANCELLED, "the call was closed while it was carried on elsewhere");
            }
            releaseBackendLocked();
            served = next.candidate();
            backend = next.backend();
            stream = next.stream();
            holding = true;
        }
        failedRoutes.clear();
        failedRoutes.addAll(tried);
        attempts += next.attempts();
        startNanos = next.t0();
        diedAt = died;
        String route = resumption.router().routeOf(served.capability());
        ObjectNode j = continued.addObject();
        j.put("from", deadRoute);
        j.put("to", route);
        j.put("afterTokens", tokens);
        j.put("why", e.kind().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage());
        join = new Join(answer, Continuation.stops(request), tokens, continued);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("failed", List.copyOf(tried.subList(before, tried.size())));
        data.put("served", route);
        data.put("midStream", true);
        data.put("afterTokens", tokens);
        resumption.router().event(new NodeEvent("route.failover", Instant.now(), data));
        if (next.first().isPresent()) {
            pending.addAll(join.accept(Json.parse(next.first().get().json())));
        } else {
            ended = true;
            pending.addAll(join.end());
            finish();
        }
    }

    private void noteFirstContinuedToken() {
        double ms = Math.round((System.nanoTime() - diedAt) / 10_000.0) / 100.0; // from the death to this token, to 10 µs
        diedAt = -1;
        if (!continued.isEmpty()) {
            ((ObjectNode) continued.get(continued.size() - 1)).put("ms", ms);
        }
    }

    private synchronized boolean closedNow() {
        return closed;
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

    /** @return the completion tokens the backend reported in its usage (with those before a continuation), 0 until it did */
    public int completionTokens() {
        return Math.max(0, completionTokens);
    }

    private void finish() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (completionTokens > 0 && seconds > 0 && join == null) {
            backend.sampleSpeed(completionTokens / seconds);
        }
        close();
    }

    private void releaseBackendLocked() {
        if (holding) {
            holding = false;
            Attempts.closeQuietly(stream);
            backend.release();
        }
    }

    /** Ends the call: cancels the backend's generation if it is still running, and frees its slot. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            releaseBackendLocked(); // aborts the generation if it is still running
        }
    }
}
