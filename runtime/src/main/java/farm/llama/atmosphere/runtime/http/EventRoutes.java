package farm.llama.atmosphere.runtime.http;

import farm.llama.atmosphere.runtime.events.EventBus;
import farm.llama.atmosphere.runtime.util.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The live event stream, {@code GET /api/v1/events} (server-sent events): from the event after
 * {@code Last-Event-ID} (or {@code ?after=}), a keep-alive comment after 15 s of silence, until the
 * client goes or the server stops. A first connection may ask for the newest kept events with
 * {@code ?recent=N}. Each frame names its type ({@code event:}) unless {@code ?named=false}.
 */
final class EventRoutes implements HttpService {

    /** Silence after which a keep-alive comment is sent. */
    private static final long KEEP_ALIVE_NANOS = 15_000_000_000L;

    private final EventBus events;
    private final BooleanSupplier running;
    private final Predicate<ServerRequest> admin;

    /**
     * @param events the node's events
     * @param running whether the server still runs
     * @param admin whether a request carries the admin's rights (only then do {@code request.completed}
     *              events keep the text of prompts and answers, when {@code ui.show-prompts} kept it)
     */
    EventRoutes(EventBus events, BooleanSupplier running, Predicate<ServerRequest> admin) {
        this.events = events;
        this.running = running;
        this.admin = admin;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/api/v1/events", this::stream);
    }

    private void stream(ServerRequest req, ServerResponse res) {
        Optional<String> resume = req.headers().first(HeaderNames.create("Last-Event-ID")).or(() -> req.query().first("after").asOptional());
        long after = resume.map(EventRoutes::number).orElse(0L);
        // a first connection may ask for the newest kept events (?recent=N); a reconnection resumes instead
        int recent = resume.isPresent() ? 0 : (int) Math.min(EventBus.HISTORY, req.query().first("recent").asOptional().map(EventRoutes::number).orElse(0L));
        // ?named=false leaves out each frame's "event:" line, so a browser's EventSource hands every
        // event to onmessage (the type is in the data too) instead of only to listeners of its type
        boolean named = !req.query().first("named").asOptional().map("false"::equals).orElse(false);
        boolean texts = admin.test(req);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (EventBus.Subscription sub = recent > 0 ? events.subscribeRecent(recent) : events.subscribe(after); OutputStream out = res.outputStream()) {
            out.write(": atmosphere event stream\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            long lastWrite = System.nanoTime();
            while (running.getAsBoolean()) {
                EventBus.Numbered n = sub.poll(1000);
                if (n != null) {
                    Map<String, Object> data = n.toMap();
                    if (!texts && n.event().type().equals("request.completed")) {
                        data.remove("prompt");
                        data.remove("answer");
                    }
                    String frame = (named ? "event: " + n.event().type() + "\n" : "") + "id: " + n.id() + "\ndata: " + Json.write(data) + "\n\n";
                    out.write(frame.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWrite = System.nanoTime();
                } else if (System.nanoTime() - lastWrite > KEEP_ALIVE_NANOS) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWrite = System.nanoTime();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long number(String s) {
        try {
            return Math.max(0, Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            return 0L;
        }
    }
}
