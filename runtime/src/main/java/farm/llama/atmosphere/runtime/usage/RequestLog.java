package farm.llama.atmosphere.runtime.usage;

import farm.llama.atmosphere.runtime.api.RequestRecord;
import farm.llama.atmosphere.runtime.api.UsageReport;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The requests of the OpenAI-compatible API: each one that ends is published as a
 * {@code request.completed} event, counted in the {@link Usage} figures, and kept among the
 * {@link #KEPT} newest (with its routing decision) for {@code GET /api/v1/requests}. The text of
 * prompts and answers is kept only when the owner asks for it ({@code ui.show-prompts}), and then
 * shown only to admins: the caller says who asks. Thread-safe.
 */
public final class RequestLog {

    /** Requests kept, newest first. */
    public static final int KEPT = 500;
    /** Names each usage split holds. */
    public static final int MAX_NAMES = 64;

    private final Consumer<NodeEvent> events;
    private final Clock clock;
    private final boolean keepText;
    private final Usage usage;
    private final AtomicLong ids = new AtomicLong();
    private final ArrayDeque<Logged> kept = new ArrayDeque<>();

    /**
     * A request as the log keeps it.
     *
     * @param request what {@code request.completed} says of it
     * @param decision the routing decision that served it (the winner and the best runners-up), when one did
     */
    public record Logged(RequestRecord request, Optional<RouteDecision> decision) {
    }

    /**
     * @param events where {@code request.completed} goes
     * @param clock the clock
     * @param keepText whether prompts and answers are kept ({@code ui.show-prompts})
     */
    public RequestLog(Consumer<NodeEvent> events, Clock clock, boolean keepText) {
        this.events = events;
        this.clock = clock;
        this.keepText = keepText;
        this.usage = new Usage(clock, MAX_NAMES);
    }

    /** @return whether the text of prompts and answers is kept */
    public boolean keepsText() {
        return keepText;
    }

    /**
     * Starts following a request.
     *
     * @param client who asks
     * @param endpoint {@code chat}, {@code completions} or {@code embeddings}
     * @return its trace; {@link RequestTrace#end()} records it
     */
    public RequestTrace start(String client, String endpoint) {
        return new RequestTrace(this, "req-" + ids.incrementAndGet(), clock.instant().toString(), client, endpoint, keepText);
    }

    void completed(RequestRecord r, RouteDecision decision) {
        synchronized (kept) {
            kept.addFirst(new Logged(r, Optional.ofNullable(decision)));
            if (kept.size() > KEPT) {
                kept.removeLast();
            }
        }
        usage.record(r);
        events.accept(new NodeEvent("request.completed", clock.instant(), eventData(r)));
    }

    /** @return the event's data: every field of the record, the texts only when kept */
    private static Map<String, Object> eventData(RequestRecord r) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("requestId", r.requestId());
        data.put("at", r.at());
        data.put("client", r.client());
        data.put("endpoint", r.endpoint());
        data.put("stream", r.stream());
        data.put("modelAsked", r.modelAsked());
        data.put("route", r.route());
        data.put("node", r.node());
        data.put("model", r.model());
        data.put("failover", r.failover());
        data.put("firstTokenMs", r.firstTokenMs());
        data.put("totalMs", r.totalMs());
        data.put("tokensIn", r.tokensIn());
        data.put("tokensOut", r.tokensOut());
        data.put("status", r.status());
        r.error().ifPresent(e -> data.put("error", e));
        r.prompt().ifPresent(p -> data.put("prompt", p));
        r.answer().ifPresent(a -> data.put("answer", a));
        return data;
    }

    /**
     * @param limit how many, at most
     * @param admin whether an admin asks (only then with the texts, when kept)
     * @return the newest requests, newest first
     */
    public List<RequestRecord> recent(int limit, boolean admin) {
        List<RequestRecord> out = new ArrayList<>();
        synchronized (kept) {
            Iterator<Logged> it = kept.iterator();
            while (it.hasNext() && out.size() < limit) {
                RequestRecord r = it.next().request();
                out.add(admin ? r : r.withoutText());
            }
        }
        return out;
    }

    /**
     * @param requestId a request's id
     * @param admin whether an admin asks
     * @return the request with its routing decision, while it is among the kept ones
     */
    public Optional<Logged> find(String requestId, boolean admin) {
        synchronized (kept) {
            return kept.stream().filter(l -> l.request().requestId().equals(requestId)).findFirst()
                    .map(l -> admin ? l : new Logged(l.request().withoutText(), l.decision()));
        }
    }

    /** @return the usage figures now */
    public UsageReport usage() {
        return usage.report();
    }
}
