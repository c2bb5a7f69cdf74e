package farm.llama.atmosphere.runtime.agents;

import farm.llama.atmosphere.runtime.api.AgentAnswer;
import farm.llama.atmosphere.runtime.api.TriggerFired;
import farm.llama.atmosphere.runtime.api.TriggerReport;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.config.Durations;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.FailureKind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The push direction: an event of a capability (a sensor, a plugin, a webhook) becomes an intent
 * through its trigger's template, is throttled, queued by priority and routed to an agent — by
 * route hint or by meaning, here or on another member. Triggers are defined in config:
 *
 * <pre>
 * triggers:
 *   front-door:                 # the capability that fires
 *     motion:                   # the event
 *       intent: "Motion at the front door ({zone}) at {time}"
 *       route: agent/notifier   # capability:&lt;id&gt;, agent/&lt;glob&gt;, or absent: by meaning
 *       throttle: 30s           # default 1s
 *       priority: high          # low, normal, high, critical
 *       params: {room: hall}    # the owner's arguments; a payload cannot override them
 * </pre>
 *
 * A trigger's intent runs as the caller {@code trigger}, whatever key fired it: its agents run
 * tools with the grants of {@code tools.grants.trigger} (none unless the owner lists them). At most
 * {@code agents.trigger-queue} intents wait; beyond that a firing is refused (OVERLOADED) and counted
 * as {@code dropped}.
 */
public final class Triggers implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Triggers.class.getName());
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_.-]*)}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Duration WAIT_LIMIT = Duration.ofMinutes(10);
    /** The least time between two firings of one trigger that are acted on, unless the owner sets another. */
    static final Duration DEFAULT_THROTTLE = Duration.ofSeconds(1);

    /** How urgent an event is: higher priorities leave the queue first. */
    public enum Priority { LOW, NORMAL, HIGH, CRITICAL }

    /**
     * One trigger.
     *
     * @param capability who fires it
     * @param event the event name
     * @param intent the template; {@code {name}} takes the payload's value
     * @param route the route hint, empty for routing by meaning
     * @param throttle the least time between two firings that are acted on
     * @param priority queue priority
     * @param params extra arguments for the agent
     */
    public record Definition(String capability, String event, String intent, String route, Duration throttle,
                             Priority priority, Map<String, Object> params) {
    }

    private record Pending(long seq, Priority priority, String id, Definition def, String intent, Map<String, Object> args,
                           CompletableFuture<AgentAnswer> done) {
    }

    private final Map<String, Definition> defs;
    private final AgentService agents;
    private final BiConsumer<String, Map<String, Object>> events;
    private final Clock clock;
    private final Map<String, Instant> lastFired = new ConcurrentHashMap<>();
    private final Map<String, Map<String, AtomicLong>> counts = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final PriorityBlockingQueue<Pending> queue = new PriorityBlockingQueue<>(64,
            (a, b) -> a.priority() != b.priority() ? b.priority().compareTo(a.priority()) : Long.compare(a.seq(), b.seq()));
    private final List<Thread> workers = new ArrayList<>();
    private final int capacity;
    private volatile boolean running = true;

    private Triggers(Map<String, Definition> defs, AgentService agents, BiConsumer<String, Map<String, Object>> events, Clock clock,
                     int workerCount, int capacity) {
        this.capacity = capacity;
        this.defs = defs;
        this.agents = agents;
        this.events = events;
        this.clock = clock;
        for (int i = 0; i < workerCount; i++) {
            workers.add(Thread.ofVirtual().name("trigger-" + i).start(this::work));
        }
    }

    /**
     * @param section the {@code triggers} config section (capability → event → definition), or null
     * @param agents where intents go
     * @param events publishes (type, data) on the node's event stream
     * @param clock time for throttling
     * @param capacity the most intents that wait to run ({@code agents.trigger-queue})
     * @return the triggers
     * @throws ConfigException naming each malformed definition
     */
    public static Triggers of(Object section, AgentService agents, BiConsumer<String, Map<String, Object>> events, Clock clock, int capacity) {
        Map<String, Definition> defs = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        if (section instanceof Map<?, ?> caps) {
            for (Map.Entry<?, ?> c : caps.entrySet()) {
                String cap = String.valueOf(c.getKey());
                if (!NAME.matcher(cap).matches()) {
                    problems.add("triggers." + cap + ": capability names are letters, digits, '.', '_' or '-'");
                    continue;
                }
                if (!(c.getValue() instanceof Map<?, ?> evs)) {
                    problems.add("triggers." + cap + ": expected a mapping of events (like 'motion:')");
                    continue;
                }
                for (Map.Entry<?, ?> e : evs.entrySet()) {
                    String where = "triggers." + cap + "." + e.getKey();
                    String ev = String.valueOf(e.getKey());
                    if (!NAME.matcher(ev).matches()) {
                        problems.add(where + ": event names are letters, digits, '.', '_' or '-'");
                        continue;
                    }
                    if (!(e.getValue() instanceof Map<?, ?> d)) {
                        problems.add(where + ": expected a mapping with 'intent' (and 'route', 'throttle', 'priority', 'params')");
                        continue;
                    }
                    Object intent = d.get("intent");
                    if (!(intent instanceof String s) || s.isBlank()) {
                        problems.add(where + ".intent: required, the intent template (\"Motion at {zone}\")");
                        continue;
                    }
                    for (Object k : d.keySet()) {
                        if (!Set.of("intent", "route", "throttle", "priority", "params", "description").contains(String.valueOf(k))) {
                            problems.add(where + "." + k + ": unknown key; known: intent, route, throttle, priority, params, description");
                        }
                    }
                    Duration throttle = DEFAULT_THROTTLE;
                    if (d.get("throttle") != null) {
                        var parsed = Durations.parse(String.valueOf(d.get("throttle")));
                        if (parsed.isEmpty() || parsed.get().isNegative()) {
                            problems.add(where + ".throttle: expected a duration such as 30s, 5m or 1h, got '" + d.get("throttle") + "'");
                            continue;
                        }
                        throttle = parsed.get();
                    }
                    Priority priority;
                    try {
                        Object p = d.get("priority");
                        priority = Priority.valueOf(String.valueOf(p == null ? "normal" : p).toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException x) {
                        problems.add(where + ".priority: one of low, normal, high, critical; got '" + d.get("priority") + "'");
                        continue;
                    }
                    Map<String, Object> params = new LinkedHashMap<>();
                    if (d.get("params") instanceof Map<?, ?> p) {
                        p.forEach((k, v) -> params.put(String.valueOf(k), v));
                    } else if (d.get("params") != null) {
                        problems.add(where + ".params: expected a mapping");
                    }
                    String route = d.get("route") == null ? "" : String.valueOf(d.get("route")).strip();
                    defs.put(cap + "/" + ev, new Definition(cap, ev, (String) intent, route, throttle, priority, Map.copyOf(params)));
                }
            }
        } else if (section != null) {
            problems.add("triggers: expected a mapping of capabilities to their events");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Triggers(defs, agents, events, clock, 2, capacity);
    }

    /** @return each trigger with its counts: fired, throttled, dropped, done, failed, and when it last fired */
    public List<TriggerReport> list() {
        List<TriggerReport> out = new ArrayList<>();
        for (Definition d : defs.values()) {
            String key = d.capability() + "/" + d.event();
            Map<String, Long> c = new LinkedHashMap<>();
            counts.getOrDefault(key, Map.of()).forEach((k, v) -> c.put(k, v.get()));
            Instant last = lastFired.get(key);
            out.add(new TriggerReport(d.capability(), d.event(), d.intent(), d.route().isEmpty() ? "by meaning" : d.route(),
                    d.throttle().toString(), d.priority().name().toLowerCase(Locale.ROOT), c, last == null ? null : last.toString()));
        }
        return out;
    }

    private void count(String key, String what) {
        counts.computeIfAbsent(key, k -> new ConcurrentHashMap<>()).computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    /**
     * Fires a trigger.
     *
     * @param capability who fires
     * @param event what happened
     * @param payload the event's data; the template's placeholders are filled from it
     * @param wait wait for the agent's answer instead of returning once queued
     * @return {@code {id, intent, priority, throttled, ...}}, with the answer when waited for
     * @throws CallFailedException NOT_FOUND for an unknown trigger, INVALID_REQUEST for a payload the template cannot use,
     *         OVERLOADED when the queue is full
     */
    public TriggerFired fire(String capability, String event, Map<String, Object> payload, boolean wait) {
        String key = capability + "/" + event;
        Definition d = defs.get(key);
        if (d == null) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "No trigger '" + key + "'. Triggers are defined under triggers."
                    + "<capability>.<event> in config.yaml" + (defs.isEmpty() ? "; none is defined." : "; defined: " + String.join(", ", defs.keySet()) + "."));
        }
        String intent = fill(d, payload);
        Instant now = clock.instant();
        String id = UUID.randomUUID().toString();
        String priority = d.priority().name().toLowerCase(Locale.ROOT);
        Instant last;
        synchronized (this) {
            last = lastFired.get(key);
            if (last != null && d.throttle().compareTo(Duration.between(last, now)) > 0) {
                long retry = Math.max(1, d.throttle().minus(Duration.between(last, now)).toSeconds());
                count(key, "throttled");
                events.accept("trigger.throttled", Map.of("id", id, "trigger", key, "retryAfterSeconds", retry));
                return new TriggerFired(id, key, intent, priority, true, Optional.of(retry), null, null, null);
            }
            lastFired.put(key, now);
        }
        Map<String, Object> args = new LinkedHashMap<>(payload);
        args.putAll(d.params()); // the owner's parameters win over what the event says
        args.put("trigger", key);
        args.put("priority", d.priority().name().toLowerCase(Locale.ROOT));
        CompletableFuture<AgentAnswer> done = new CompletableFuture<>();
        synchronized (queue) {
            if (queue.size() >= capacity) {
                synchronized (this) { // not acted on: it does not throttle the next firing
                    if (now.equals(lastFired.get(key))) {
                        if (last == null) {
                            lastFired.remove(key);
                        } else {
                            lastFired.put(key, last);
                        }
                    }
                }
                count(key, "dropped");
                events.accept("trigger.dropped", Map.of("id", id, "trigger", key, "waiting", queue.size()));
                throw new CallFailedException(FailureKind.OVERLOADED, "Trigger " + key + " was not queued: " + capacity
                        + " intents already wait (agents.trigger-queue). Fire it again shortly.");
            }
            queue.add(new Pending(seq.incrementAndGet(), d.priority(), id, d, intent, args, done));
        }
        count(key, "fired");
        events.accept("trigger.fired", Map.of("id", id, "trigger", key, "intent", intent, "priority", priority,
                "route", d.route().isEmpty() ? "by meaning" : d.route()));
        if (!wait) {
            return new TriggerFired(id, key, intent, priority, false, null, Optional.of(true), null, null);
        }
        try {
            return new TriggerFired(id, key, intent, priority, false, null, null,
                    Optional.of(done.get(WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS)), null);
        } catch (TimeoutException e) {
            throw new CallFailedException(FailureKind.TIMEOUT, "trigger " + key + " (" + id + ") got no answer within " + WAIT_LIMIT.toMinutes() + " min; it goes on running");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.CANCELLED, "interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CallFailedException cfe) {
                throw cfe;
            }
            throw new CallFailedException(FailureKind.INTERNAL, "trigger " + key + " failed: " + e.getCause().getMessage());
        }
    }

    static String fill(Definition d, Map<String, Object> payload) {
        Matcher m = PLACEHOLDER.matcher(d.intent());
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Object value = payload;
            for (String part : m.group(1).split("\\.")) {
                value = value instanceof Map<?, ?> map ? map.get(part) : null;
            }
            if (value == null) {
                throw new CallFailedException(FailureKind.INVALID_REQUEST, "The payload has no '" + m.group(1) + "', which the intent template of "
                        + d.capability() + "/" + d.event() + " uses: \"" + d.intent() + "\". Send it in the JSON body.");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf(value)));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private void work() {
        while (running) {
            Pending p;
            try {
                p = queue.poll(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (p == null) {
                continue;
            }
            String key = p.def().capability() + "/" + p.def().event();
            try {
                AgentAnswer answer = agents.dispatch(p.intent(), p.def().route(), p.args(),
                        Caller.TRIGGER, Set.of());
                count(key, "done");
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("id", p.id());
                e.put("trigger", key);
                e.put("node", answer.node());
                e.put("agentType", answer.type());
                e.put("agent", answer.agent());
                e.put("steps", answer.steps());
                events.accept("trigger.routed", e);
                p.done().complete(answer);
            } catch (RuntimeException e) {
                count(key, "failed");
                LOG.log(System.Logger.Level.WARNING, () -> "Trigger " + key + " failed: " + e.getMessage());
                events.accept("trigger.failed", Map.of("id", p.id(), "trigger", key, "error", String.valueOf(e.getMessage())));
                p.done().completeExceptionally(e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        workers.forEach(Thread::interrupt);
    }
}
