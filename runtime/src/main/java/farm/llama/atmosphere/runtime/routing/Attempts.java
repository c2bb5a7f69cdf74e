package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.runtime.discovery.BackendState;
import farm.llama.atmosphere.runtime.discovery.DiscoveryService;
import farm.llama.atmosphere.runtime.routing.RouterService.Resumption;
import farm.llama.atmosphere.runtime.routing.RouterService.Started;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.ChatStream;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Failover: tries a request's candidates in order until one answers, and finds who may carry on
 * an answer whose backend died. A backend that refuses connections is marked down at once.
 */
final class Attempts {

    private final RouterService router;
    private final DiscoveryService discovery;
    private final Duration queueTimeout;

    Attempts(RouterService router, DiscoveryService discovery, Duration queueTimeout) {
        this.router = router;
        this.discovery = discovery;
        this.queueTimeout = queueTimeout;
    }

    /**
     * Tries candidates in order until one sends its first chunk.
     *
     * @param order the candidates, best first
     * @param request the request to send
     * @param locality how far the request may travel
     * @param failed where each failed route is added, with why
     * @param budget how many candidates may be tried
     * @param continuing the request asks its last message to be continued: only capabilities that can are tried
     * @return the one that answered
     */
    Started run(List<ScoredCandidate> order, ChatRequest request, Locality locality, List<String> failed, int budget, boolean continuing) {
        long deadline = System.nanoTime() + queueTimeout.toNanos();
        CallFailedException last = null;
        int attempts = 0;
        boolean anyCan = false;
        while (true) {
            boolean anyBusy = false;
            for (ScoredCandidate cand : order) {
                if (attempts >= budget) {
                    break;
                }
                if (continuing && !cand.capability().metadata().containsKey(Capability.CONTINUES)) {
                    continue;
                }
                anyCan = true;
                Optional<BackendState> maybe = router.lookup(cand.capability().metadata().getOrDefault("backend", ""), locality);
                if (maybe.isEmpty() || !maybe.get().up() || failed.stream().anyMatch(f -> f.startsWith(router.routeOf(cand.capability()) + " "))) {
                    continue;
                }
                BackendState backend = maybe.get();
                if (!backend.tryAcquire()) {
                    anyBusy = true;
                    continue;
                }
                attempts++;
                long t0 = System.nanoTime();
                ChatStream stream = null;
                try {
                    String model = cand.capability().models().isEmpty() ? cand.capability().name() : cand.capability().models().get(0);
                    stream = backend.client().stream(new ChatRequest(model, request.json(), request.timeout()));
                    Optional<ChatChunk> first = stream.next();
                    backend.sampleLatency((System.nanoTime() - t0) / 1e6);
                    return new Started(cand, backend, stream, first, t0, attempts);
                } catch (CallFailedException e) {
                    backend.release();
                    closeQuietly(stream);
                    last = e;
                    failed.add(router.routeOf(cand.capability()) + " (" + e.kind().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage() + ")");
                    if (e.kind() == FailureKind.UNREACHABLE && !backend.remote()) {
                        discovery.markDown(backend, e.getMessage());
                    }
                    if (!e.kind().retryable()) {
                        throw e;
                    }
                } catch (RuntimeException e) {
                    backend.release();
                    closeQuietly(stream);
                    last = new CallFailedException(FailureKind.INTERNAL, "backend client failed: " + e, e);
                    failed.add(router.routeOf(cand.capability()) + " (internal: " + e + ")");
                }
            }
            if (attempts >= budget || !anyBusy || System.nanoTime() > deadline) {
                break;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CallFailedException(FailureKind.CANCELLED, "cancelled while waiting for a free backend");
            }
        }
        if (continuing && !anyCan) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "No capability that serves this request can continue a trailing"
                    + " assistant message (continue_final_message): vLLM and llama.cpp's server can, Ollama where the model's"
                    + " template allows it, others where the owner lists the backend with continue: true.");
        }
        if (last == null) {
            throw new CallFailedException(FailureKind.OVERLOADED, "Every backend that can serve this request is busy"
                    + " (at its concurrency cap, discovery.max-concurrency); try again shortly.");
        }
        long mine = failed.stream().filter(f -> !f.contains(" (mid-stream ")).count();
        if (mine > 1) {
            throw new CallFailedException(last.kind(), "Every candidate failed: " + String.join("; ", failed), last);
        }
        throw last;
    }

    /**
     * The candidates that may carry on a chat whose backend died: the same model on other backends
     * first, then — when the client let the router choose — the rest of the decision, in its order.
     *
     * @param r the call's request and routing
     * @param decision the call's decision
     * @param dead the candidate that died
     * @return the candidates, best first (the dead one left out)
     */
    List<ScoredCandidate> successors(Resumption r, RouteDecision decision, ScoredCandidate dead) {
        String name = dead.capability().models().isEmpty() ? dead.capability().name() : dead.capability().models().get(0);
        List<ScoredCandidate> all = new ArrayList<>();
        if (r.query().model().isEmpty()) { // the same model elsewhere may not be among an auto decision's runners-up
            RouteDecision byName = router.decide(new RouteQuery("", r.query().needs(), Optional.of(name)), r.locality());
            byName.winner().ifPresent(all::add);
            all.addAll(byName.runnersUp());
        }
        decision.winner().ifPresent(all::add);
        all.addAll(decision.runnersUp());
        Map<String, ScoredCandidate> same = new LinkedHashMap<>();
        Map<String, ScoredCandidate> rest = new LinkedHashMap<>();
        for (ScoredCandidate c : all) {
            String key = c.capability().nodeId() + "|" + c.capability().id();
            if (!key.equals(dead.capability().nodeId() + "|" + dead.capability().id())) {
                if (ModelNames.serves(c.capability(), name)) {
                    same.putIfAbsent(key, c);
                } else if (r.query().model().isEmpty()) {
                    rest.putIfAbsent(key, c);
                }
            }
        }
        List<ScoredCandidate> out = new ArrayList<>(same.values());
        rest.values().stream().filter(c -> !same.containsKey(c.capability().nodeId() + "|" + c.capability().id())).forEach(out::add);
        return out;
    }

    static void closeQuietly(ChatStream stream) {
        if (stream != null) {
            try {
                stream.close();
            } catch (RuntimeException ignored) {
                // a failing client's close must not hide why the call failed
            }
        }
    }

}
