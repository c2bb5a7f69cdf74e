package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.runtime.discovery.BackendState;
import farm.llama.atmosphere.runtime.discovery.DiscoveryService;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.BlockingPublisher;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.ChatStream;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.RoutingService;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.RouteCandidate;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.Router;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Routes requests over the capabilities of this node's backends: builds the candidates (vectors
 * from the node's embedder, cached by content hash; cost terms from the {@link CostModel}), asks
 * the {@link Router}, and runs the call with failover — when the chosen backend fails before its
 * first chunk, the next candidate is tried (at most {@code maxAttempts}), and a backend that
 * refuses connections is marked down at once. Thread-safe.
 */
public final class RouterService implements RoutingService {

    /** Capability types that can hold a chat. */
    public static final Set<String> CHAT_TYPES = Set.of("llm/chat", "llm/code", "llm/reasoning", "llm/math", "llm/translate",
            "vision/chat");

    private final DiscoveryService discovery;
    private volatile RoutingEngine engine;
    private final CostModel cost;
    private final Consumer<NodeEvent> events;
    private final String nodeId;
    private final int maxAttempts;
    private final Duration firstByteTimeout;
    private final VectorCache vectors;
    private final Attempts attempts;

    /**
     * @param discovery the backends
     * @param engine the node's router and embedder (either may be missing: see {@link Fallback})
     * @param cost the cost model
     * @param events where routing events go
     * @param nodeId this node
     * @param maxAttempts how many candidates a request may try
     * @param queueTimeout how long a request waits for a free slot when every backend is at its cap
     * @param firstByteTimeout how long a backend may take to its first chunk before failover
     */
    public RouterService(DiscoveryService discovery, RoutingEngine engine, CostModel cost,
                         Consumer<NodeEvent> events, String nodeId, int maxAttempts, Duration queueTimeout,
                         Duration firstByteTimeout) {
        this.firstByteTimeout = firstByteTimeout;
        this.discovery = discovery;
        this.engine = engine;
        this.vectors = new VectorCache(engine);
        this.cost = cost;
        this.events = events;
        this.nodeId = nodeId;
        this.maxAttempts = Math.max(1, maxAttempts);
        this.attempts = new Attempts(this, discovery, queueTimeout);
    }

    /** @return how long a backend may take to its first chunk ({@code routing.timeout}) */
    public Duration firstByteTimeout() {
        return firstByteTimeout;
    }

    /**
     * Switches to another router and embedder (after a plugin change); cached vectors are dropped.
     *
     * @param next the new ones
     * @return the previous ones, for the caller to close
     */
    public synchronized RoutingEngine swap(RoutingEngine next) {
        RoutingEngine previous = engine;
        teaching.teach(next);
        engine = next;
        vectors.clear(next);
        return previous;
    }

    private volatile RouteTeaching teaching = new RouteTeaching(new RouteExamples(null, null), () -> engine);

    /** @param examples {@code routing.examples} and what route feedback taught: the router gets them now and after every plugin change */
    public synchronized void examples(RouteExamples examples) {
        this.teaching = new RouteTeaching(examples, () -> engine);
        teaching.teach(engine);
    }

    /** @return route feedback, for the router in use */
    public RouteTeaching teaching() {
        return teaching;
    }

    /** @return the node's embedder, if one is loaded */
    public Optional<Embedder> embedder() {
        return engine.embedder();
    }

    /** @return whether a router is loaded ({@code model: auto} needs one) */
    public boolean hasRouter() {
        return engine.router().isPresent();
    }

    /** @return the cost model */
    public CostModel costModel() {
        return cost;
    }

    /** @return every model name known here, each once, with the backends that serve it */
    public Map<String, List<Capability>> models() {
        return ModelNames.byName(allCapabilities());
    }

    /**
     * @param model a model name
     * @return whether any capability serves it
     */
    public boolean knows(String model) {
        return allCapabilities().stream().anyMatch(c -> ModelNames.serves(c, model));
    }

    private volatile Supplier<List<BackendState>> remote = List::of;

    /**
     * Lets the router see other members' capabilities as backends reached over the mesh.
     *
     * @param remote the members' backends, up to date
     */
    public void remoteBackends(Supplier<List<BackendState>> remote) {
        this.remote = remote;
    }

    private volatile Supplier<List<Capability>> workloads = List::of;

    /**
     * Lets the router see this node's tools and agent types ({@code tool/<name>}, {@code agent/<type>}),
     * which no backend serves; they are candidates only for queries that need their type.
     *
     * @param workloads this node's workload capabilities, up to date
     */
    public void localWorkloads(Supplier<List<Capability>> workloads) {
        this.workloads = workloads;
    }

    private List<Capability> workloads() {
        try {
            return workloads.get();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private List<BackendState> allBackends(Locality locality) {
        List<BackendState> local = discovery.backends();
        if (locality == Locality.LOCAL) {
            return local;
        }
        List<BackendState> all = new ArrayList<>(local);
        try {
            for (BackendState b : remote.get()) {
                if (locality == Locality.MESH || Locality.onLan(b.info().url())) {
                    all.add(b);
                }
            }
        } catch (RuntimeException e) {
            // the mesh's view is a bonus; routing goes on with the local backends
        }
        return all;
    }

    private List<Capability> allCapabilities() {
        List<Capability> out = new ArrayList<>();
        for (BackendState b : allBackends(Locality.MESH)) {
            if (b.up()) {
                out.addAll(b.capabilities());
            }
        }
        return out;
    }

    Optional<BackendState> lookup(String id, Locality locality) {
        Optional<BackendState> local = discovery.backend(id);
        if (local.isPresent() || locality == Locality.LOCAL) {
            return local;
        }
        return allBackends(locality).stream().filter(b -> b.id().equals(id)).findFirst();
    }

    /**
     * Builds the candidates and asks the router. Executes nothing.
     *
     * @param query what to route
     * @return the explained decision
     */
    public RouteDecision decide(RouteQuery query) {
        return decide(query, Locality.MESH);
    }

    /**
     * @param query what to route
     * @param locality how far the request may travel (a request another member forwarded is LOCAL)
     * @return the explained decision
     */
    public RouteDecision decide(RouteQuery query, Locality locality) {
        RoutingEngine now = engine; // one router and one embedder for the whole decision
        Optional<Router> router = now.router();
        boolean embed = query.model().isEmpty() && router.isPresent();
        float[] q = embed ? vectors.vector(query.intent(), now) : new float[0];
        List<RouteCandidate> candidates = new ArrayList<>();
        Map<String, Map<String, Double>> termsCache = new HashMap<>();
        for (BackendState b : allBackends(locality)) {
            for (Capability c : b.capabilities()) {
                if (!query.needs().contains(c.type())) {
                    continue;
                }
                if (query.model().isPresent() && !ModelNames.serves(c, query.model().get())) {
                    continue;
                }
                float[] v = embed ? vectors.vector(c.description(), now) : new float[0];
                boolean warm = c.tags().contains("warm");
                double price = cost.price(c.name());
                // the terms depend on the backend, warmth and price only: compute them once per kind
                CostModel.Measured measured = new CostModel.Measured(b.latencyMs(), b.tokensPerSecond(), b.inFlight(), b.concurrency(), warm, price);
                Map<String, Double> terms = termsCache.computeIfAbsent(b.id() + "|" + warm + "|" + price, k -> b.remote()
                        ? cost.remoteTerms(measured, b.nodeCost(), b.linkMs()) : cost.terms(measured));
                candidates.add(new RouteCandidate(c, v, q, terms, b.up()));
            }
        }
        boolean workload = query.needs().stream().anyMatch(n -> n.startsWith("tool/") || n.startsWith("agent/"));
        for (Capability c : workload ? workloads() : List.<Capability>of()) { // not on the chat path
            if (query.needs().contains(c.type())) {
                float[] v = embed ? vectors.vector(c.description(), now) : new float[0];
                candidates.add(new RouteCandidate(c, v, q, Map.of(), true)); // runs here: no hop, no backend terms
            }
        }
        if (query.needs().contains(ChatRequests.TOOLS) && candidates.stream().anyMatch(c -> c.capability().tags().contains("tools"))) {
            candidates.removeIf(c -> !c.capability().tags().contains("tools"));
        }
        RouteDecision d = router.isPresent() ? router.get().route(query, candidates) : Fallback.decide(query, candidates);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("intent", abbreviate(query.intent()));
        data.put("needs", List.copyOf(query.needs()));
        data.put("model", query.model().orElse("auto"));
        data.put("winner", d.winner().map(w -> w.capability().id()).orElse(""));
        data.put("score", d.winner().map(ScoredCandidate::score).orElse(0.0));
        data.put("reason", d.reason());
        data.put("task", d.tasks().isEmpty() ? "" : d.tasks().get(0).task());
        data.put("candidates", candidates.size());
        events.accept(new NodeEvent("route.decided", Instant.now(), data));
        return d;
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }

    /**
     * @param c a capability
     * @return its route: {@code <nodeId>/<backend>/<model>}
     */
    public String routeOf(Capability c) {
        String backend = c.metadata().getOrDefault("remoteBackend", c.metadata().getOrDefault("backend", "?"));
        return c.nodeId() + "/" + backend + "/" + c.name();
    }

    /**
     * Starts a chat on the best candidate, failing over before the first chunk, and continuing on
     * another candidate when the backend dies mid-answer.
     *
     * @param request the OpenAI-format request
     * @param query how to route it
     * @return the running call
     * @throws CallFailedException NOT_FOUND when nothing fits, OVERLOADED when every backend
     *         stays at its cap, or the last candidate's failure
     */
    public ChatCall startChat(ChatRequest request, RouteQuery query) {
        return startChat(request, query, Locality.MESH, true);
    }

    /**
     * @param request the OpenAI-format request
     * @param query how to route it
     * @param locality how far the request may travel (a request another member forwarded is LOCAL)
     * @param continueMidStream whether a backend that dies mid-answer is replaced by another that
     *                          continues the answer ({@code x-atmosphere-continue: off} says no; a member
     *                          serving a forwarded request leaves that to the member that asked)
     * @return the running call
     */
    public ChatCall startChat(ChatRequest request, RouteQuery query, Locality locality, boolean continueMidStream) {
        RouteDecision decision = decide(query, locality);
        if (decision.winner().isEmpty()) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "No capability can serve this request: " + decision.reason());
        }
        List<ScoredCandidate> order = new ArrayList<>();
        order.add(decision.winner().get());
        order.addAll(decision.runnersUp());
        boolean continuing = request.json().contains(ChatRequest.CONTINUE_FINAL_MESSAGE)
                && Continuation.asksToContinue(Json.parse(request.json()));
        List<String> failed = new ArrayList<>();
        Started s = attempts.run(order, request, locality, failed, maxAttempts, continuing);
        if (!failed.isEmpty()) {
            events.accept(new NodeEvent("route.failover", Instant.now(), Map.of(
                    "failed", List.copyOf(failed), "served", routeOf(s.candidate().capability()))));
        }
        return new ChatCall(decision, s, failed, continueMidStream ? new Resumption(this, request, query, locality) : null);
    }

    /** A candidate that answered: its first chunk is here. */
    record Started(ScoredCandidate candidate, BackendState backend, ChatStream stream, Optional<ChatChunk> first, long t0, int attempts) {
    }

    /** What a call needs to carry on elsewhere after its backend died mid-answer. */
    record Resumption(RouterService router, ChatRequest request, RouteQuery query, Locality locality) {
    }

    /** @return what tries candidates for this router */
    Attempts attempts() {
        return attempts;
    }

    /** @return how many candidates a request may try */
    int maxAttempts() {
        return maxAttempts;
    }

    /** @param event a routing event */
    void event(NodeEvent event) {
        events.accept(event);
    }

    @Override
    public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
        return BlockingPublisher.of("routed-chat", sink -> {
            RouteQuery query = request.model().equals("auto")
                    ? new RouteQuery(ChatRequests.intent(request.json()), ChatRequests.needs(request.json()), Optional.empty())
                    : new RouteQuery("", ChatRequests.needs(request.json()), Optional.of(request.model()));
            try (ChatCall call = startChat(request, query)) {
                sink.onCancel(call::close);
                Optional<ChatChunk> c;
                while ((c = call.next()).isPresent()) {
                    sink.emit(c.get());
                }
            }
        });
    }

    /**
     * Embeddings with the route that served them.
     *
     * @param embeddings the vectors
     * @param route {@code <nodeId>/<backend>/<model>}, or {@code <nodeId>/embedder/<id>} for the node's own embedder
     */
    public record RoutedEmbeddings(Embeddings embeddings, String route) {
    }

    @Override
    public Embeddings embed(EmbedRequest request) {
        return embedRouted(request).embeddings();
    }

    /**
     * @param request the request; model {@code auto} uses an embedding backend if there is one,
     *                else the node's own embedder (also reachable by its id, e.g. {@code lexical-v1})
     * @return the vectors and their route
     */
    public RoutedEmbeddings embedRouted(EmbedRequest request) {
        return embedRouted(request, Locality.MESH);
    }

    /**
     * @param request the texts and the model ({@code auto} routes by meaning)
     * @param locality how far the request may travel (a request another member forwarded is LOCAL)
     * @return the vectors with the route that made them
     */
    public RoutedEmbeddings embedRouted(EmbedRequest request, Locality locality) {
        String model = request.model();
        Optional<Embedder> own = engine.embedder();
        if (own.isPresent() && (model.equals(own.get().id()) || model.equals("auto") && !hasEmbedCapability(locality))) {
            Embedder embedder = own.get();
            long t0 = System.nanoTime();
            List<float[]> v = embedder.embedAll(request.input());
            events.accept(new NodeEvent("embeddings.local", Instant.now(), Map.of("embedder", embedder.id(),
                    "inputs", request.input().size(), "ms", (System.nanoTime() - t0) / 1_000_000)));
            int tokens = request.input().stream().mapToInt(s -> Math.max(1, s.length() / 4)).sum();
            return new RoutedEmbeddings(new Embeddings(embedder.id(), v, tokens), nodeId + "/embedder/" + embedder.id());
        }
        RouteQuery query = new RouteQuery(String.join(" ", request.input()), Set.of("llm/embed"),
                model.equals("auto") ? Optional.empty() : Optional.of(model));
        RouteDecision decision = decide(query, locality);
        if (decision.winner().isEmpty()) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "No embedding model can serve this request: " + decision.reason());
        }
        List<ScoredCandidate> order = new ArrayList<>();
        order.add(decision.winner().get());
        order.addAll(decision.runnersUp());
        CallFailedException last = null;
        int attempts = 0;
        for (ScoredCandidate cand : order) {
            if (attempts++ >= maxAttempts) {
                break;
            }
            Optional<BackendState> b = lookup(cand.capability().metadata().getOrDefault("backend", ""), locality);
            if (b.isEmpty() || !b.get().up()) {
                continue;
            }
            try {
                long t0 = System.nanoTime();
                Embeddings e = b.get().client().embed(new EmbedRequest(cand.capability().models().get(0), request.input()));
                b.get().sampleLatency((System.nanoTime() - t0) / 1e6);
                return new RoutedEmbeddings(e, routeOf(cand.capability()));
            } catch (CallFailedException e) {
                last = e;
                if (e.kind() == FailureKind.UNREACHABLE && !b.get().remote()) {
                    discovery.markDown(b.get(), e.getMessage());
                }
                if (!e.kind().retryable()) {
                    throw e;
                }
            }
        }
        throw last != null ? last : new CallFailedException(FailureKind.UNREACHABLE, "No embedding backend is up");
    }

    private boolean hasEmbedCapability(Locality locality) {
        return (locality == Locality.LOCAL ? discovery.capabilities() : allCapabilities()).stream().anyMatch(c -> c.type().equals("llm/embed"));
    }

    @Override
    public String complete(ChatRequest request) {
        RouteQuery query = ChatRequests.query(request.model(), request.json());
        try (ChatCall call = startChat(request, query)) {
            return ChatCompletions.aggregate(call, false).toString();
        }
    }

    @Override
    public RouteDecision explain(RouteQuery query) {
        return decide(query);
    }

    /** @return this node's id */
    public String nodeId() {
        return nodeId;
    }
}
