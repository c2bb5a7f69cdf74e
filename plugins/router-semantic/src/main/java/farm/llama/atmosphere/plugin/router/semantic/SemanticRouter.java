package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.RouteCandidate;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.Router;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ranks candidates by meaning and cost. For a chat the meaning is the task the intent belongs to
 * ({@link Tasks}: chat, code, reasoning, math, translation, vision, embed), found by the intent's
 * nearest curated and taught examples ({@link ExampleIndex}); the capabilities of the first type
 * that serves that task, with the specialists their owners describe (LlamaFarm projects), compete
 * on fit and cost ({@code score = (0.05 + similarity of intent and description) × cost^-0.5}: models
 * of one type share a description, so cost decides between them; a specialist wins its domain).
 * Where no task applies (tools, agents, a router without examples yet) the fit is the similarity
 * of intent and description, as before. A named model has fit 1. Unhealthy candidates are left out.
 *
 * <p>A text-only request goes to a vision model only when no text model can take it (explained);
 * when the best two tasks are within {@link #LOW_MARGIN}, their models and the general ones
 * compete on fit and cost, a general model first on a tie (explained).
 *
 * <p>Hysteresis: for the same kind of request (needs, requested model and the winning model
 * name), the previous winner is kept while it scores within {@link #STICKINESS} of the best, so
 * two equal backends do not flap with every latency sample. Thread-safe.
 */
public final class SemanticRouter implements Router {

    /** The previous winner is kept while it is within this fraction of the best score. */
    public static final double STICKINESS = 0.05;
    /**
     * How strongly cost bends meaning: {@code score = similarity × cost^-COST_WEIGHT}. At 0.5 a
     * cold model (cost 1.3) gives up 12% and a node on a low battery (cost 5) gives up 55%, so
     * cost decides between candidates that fit about equally and never drowns a clear fit.
     */
    public static final double COST_WEIGHT = 0.5;

    /** Below this similarity a winner is still chosen, but the decision says the match is weak. */
    public static final double WEAK_MATCH = 0.15;

    /** Two tasks whose scores differ by less than this are a tie: the cheaper, general model serves. */
    public static final double LOW_MARGIN = 0.02;

    /** How much a type that serves the task only as a fallback (second, third) gives up. */
    private static final double[] FALLBACK = {1.0, 0.8, 0.6, 0.5};

    /** How far the task scores of types that do not win fall off (a softmax temperature). */
    private static final double TEMPERATURE = 0.05;

    private final Map<String, String> lastWinner = new ConcurrentHashMap<>();

    /** How many runners-up a decision lists (and failover may try). */
    public static final int RUNNERS_UP = 16;

    private final LexicalEmbedder lexical = new LexicalEmbedder();
    private final Path dataDir;
    private final Map<String, List<String>> serving = Tasks.serving();
    private final Set<String> servedTypes;
    private volatile Examples examples;
    private volatile Map<String, List<String>> taught = Map.of();

    /** The examples, embedded with the embedder that gives meaning to the routing vectors. */
    private static final class Examples {
        final Embedder meaning;
        final int routingDimensions;
        final float scale;
        volatile ExampleIndex index;

        Examples(Embedder meaning, int routingDimensions, float scale) {
            this.meaning = meaning;
            this.routingDimensions = routingDimensions;
            this.scale = scale;
        }
    }

    /** A router that keeps nothing on disk (tests, benchmarks). */
    public SemanticRouter() {
        this(null);
    }

    /**
     * @param dataDir where the curated examples' vectors are kept between starts, or null
     */
    public SemanticRouter(Path dataDir) {
        this.dataDir = dataDir;
        Set<String> types = new HashSet<>();
        serving.values().forEach(types::addAll);
        this.servedTypes = Set.copyOf(types);
    }

    /**
     * Routes with the lexicon beside a model embedder ({@link HybridEmbedder}): meaning from the
     * model, exact terms from the lexicon. The lexical embedder alone is used as it is. The
     * examples are embedded with the model alone (the lexicon adds nothing to them but noise):
     * with the lexicon at once, with a model from the vectors the plugin ships (made at build time
     * for MiniLM), from the disk cache, or in the background (until
     * then the router matches descriptions, as without examples).
     */
    @Override
    public Embedder routingEmbedder(Embedder chosen) {
        boolean alone = chosen.id().equals(lexical.id());
        Embedder routing = alone ? chosen : new HybridEmbedder(chosen, lexical);
        Examples e = new Examples(chosen, routing.dimensions(), alone ? 1f : 1f / HybridEmbedder.SCALE);
        examples = e;
        List<String> texts = ExampleIndex.curatedTexts(Tasks.builtIn());
        Path cache = dataDir == null ? null : ExampleCache.file(dataDir, chosen.id(), chosen.dimensions(), texts);
        java.util.Optional<List<float[]>> cached = ExampleVectors.shipped(chosen, texts);
        if (cached.isEmpty() && cache != null) {
            cached = ExampleCache.read(cache, texts.size(), chosen.dimensions());
        }
        if (cached.isPresent()) {
            e.index = ExampleIndex.of(chosen, Tasks.builtIn(), cached.get(), taught);
        } else if (alone) {
            e.index = ExampleIndex.build(chosen, Tasks.builtIn(), taught);
        } else {
            synchronized (this) {
                if (!closed) {
                    workers.add(Thread.ofVirtual().name("router-examples").start(() -> embedInBackground(e, texts, cache)));
                }
            }
        }
        return routing;
    }

    private void embedInBackground(Examples e, List<String> texts, Path cache) {
        try {
            List<float[]> vectors = new ArrayList<>(texts.size());
            for (String t : texts) {
                if (examples != e || closed) {
                    return; // replaced by another embedder, or closed
                }
                vectors.add(e.meaning.embed(t));
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                e.index = ExampleIndex.of(e.meaning, Tasks.builtIn(), vectors, taught);
                if (cache != null) {
                    try {
                        ExampleCache.write(cache, vectors, e.meaning.dimensions()); // under the lock: nothing is written once closed
                    } catch (java.io.IOException ex) {
                        System.getLogger(SemanticRouter.class.getName()).log(System.Logger.Level.WARNING, () -> "The examples' vectors"
                                + " could not be kept in " + cache + " (" + ex + "); they are in use, and will be embedded again at the next start.");
                    }
                }
            }
        } catch (RuntimeException ex) {
            if (!closed && examples == e) { // not merely replaced or closed: say why routing stays by description
                System.getLogger(SemanticRouter.class.getName()).log(System.Logger.Level.WARNING, () -> "The router's examples could not be"
                        + " embedded with " + e.meaning.id() + " (" + ex + "); routing matches model descriptions until the next start.");
            }
        }
    }

    private volatile boolean closed;
    private final List<Thread> workers = new ArrayList<>();

    /** Stops embedding examples in the background and waits for it: nothing is written after this returns. */
    @Override
    public void close() {
        List<Thread> running;
        synchronized (this) {
            closed = true;
            running = List.copyOf(workers);
        }
        for (Thread t : running) {
            try {
                t.join();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public Map<String, List<String>> tasks() {
        return serving;
    }

    @Override
    public synchronized void teach(Map<String, List<String>> examples) {
        Map<String, List<String>> copy = new java.util.LinkedHashMap<>();
        examples.forEach((task, list) -> {
            if (serving.containsKey(task)) {
                copy.put(task, List.copyOf(list));
            }
        });
        taught = Map.copyOf(copy);
        Examples e = this.examples;
        if (e != null && e.index != null) {
            e.index = e.index.teach(e.meaning, Tasks.builtIn(), taught);
        }
    }

    /** @return whether the examples are embedded and in use */
    public boolean examplesReady() {
        Examples e = examples;
        return e != null && e.index != null;
    }

    @Override
    public RouteDecision route(RouteQuery query, List<RouteCandidate> candidates) {
        int n = candidates.size();
        boolean named = query.model().isPresent();
        Examples e = examples;
        ExampleIndex index = e == null ? null : e.index;
        if (!named && index != null && n > 0 && candidates.get(0).queryVector().length == e.routingDimensions
                && candidates.stream().anyMatch(c -> servedTypes.contains(c.capability().type()))) {
            RouteDecision d = new ByExample(this, query, candidates, taskScores(candidates.get(0).queryVector(), e, index)).decide();
            if (d != null) {
                return d;
            }
        }
        double[] score = new double[n];
        double[] similarity = new double[n];
        double[] cost = new double[n];
        int[] group = new int[n];
        for (int i = 0; i < n; i++) {
            RouteCandidate c = candidates.get(i);
            if (!c.healthy()) {
                score[i] = -1;
                continue;
            }
            double sim = named ? 1.0 : similarity(c);
            similarity[i] = sim;
            cost[i] = cost(c);
            score[i] = Math.min(1.0, Math.max(0, sim) * Math.pow(Math.max(cost[i], 1e-6), -COST_WEIGHT));
        }
        return finish(query, candidates, score, similarity, cost, group, (w, kept) -> named
                ? "model '" + query.model().get() + "' requested; " + w.capability().id() + " serves it at the lowest cost (" + w.cost() + ")"
                : w.capability().name() + " (" + w.capability().type() + ") fits best: similarity " + w.similarity() + ", cost " + w.cost()
                        + (w.similarity() < WEAK_MATCH ? "; weak match, nothing fits better" : ""), List.of());
    }

    /** An intent's task scores, by the identity of its vector (the node caches intent vectors) and the index they came from. */
    private record Scored(ExampleIndex index, ExampleIndex.Score[] scores) {
    }

    private final Map<float[], Scored> scoredIntents = Collections.synchronizedMap(new WeakHashMap<>());

    private ExampleIndex.Score[] taskScores(float[] q, Examples e, ExampleIndex index) {
        Scored known = scoredIntents.get(q);
        if (known != null && known.index() == index) {
            return known.scores();
        }
        ExampleIndex.Score[] scores = index.score(meaning(q, e));
        scoredIntents.put(q, new Scored(index, scores));
        return scores;
    }

    /** The part of a routing vector that carries the model's meaning, at unit length. */
    private static float[] meaning(float[] q, Examples e) {
        int d = e.meaning.dimensions();
        if (q.length == d) {
            return q;
        }
        float[] out = new float[d];
        for (int i = 0; i < d; i++) {
            out[i] = q[i] * e.scale;
        }
        return out;
    }

    /** @return the cosine of intent and description */
    double similarity(RouteCandidate c) {
        return dot(c.queryVector(), c.vector(), nonZero(c.vector()));
    }

    static double cost(RouteCandidate c) {
        double k = 1.0;
        for (double term : c.costTerms().values()) {
            k *= Math.max(term, 1e-6);
        }
        return k;
    }

    Map<String, List<String>> serving() {
        return serving;
    }

    /** Says why the winner won. */
    interface Reason {
        String of(ScoredCandidate winner, boolean kept);
    }

    /**
     * Picks the winner by score (the lower group first), keeps the previous winner while it is
     * within {@link #STICKINESS}, and lists the runners-up.
     */
    RouteDecision finish(RouteQuery query, List<RouteCandidate> candidates, double[] score, double[] similarity, double[] cost,
                         int[] group, Reason reason, List<farm.llama.atmosphere.spi.routing.TaskMatch> tasks) {
        int n = candidates.size();
        int healthy = 0;
        for (double s : score) {
            if (s >= 0) {
                healthy++;
            }
        }
        if (healthy == 0) {
            String why = candidates.isEmpty() ? "no capability of the kind this request needs (" + String.join(", ", query.needs()) + ")"
                    + query.model().map(m -> " serving model '" + m + "'").orElse("") + " is known"
                    : "every capability that fits is unhealthy (its backend is down)";
            return new RouteDecision(Optional.empty(), List.of(), why, tasks);
        }
        int[] top = top(score, group, candidates, Math.min(healthy, RUNNERS_UP + 1));
        int best = top[0];
        String key = String.join(",", new TreeSet<>(query.needs())) + "|" + query.model().orElse("auto")
                + "|" + candidates.get(best).capability().name();
        String previous = lastWinner.get(key);
        int winner = best;
        boolean kept = false;
        if (previous != null && !previous.equals(candidates.get(best).capability().id())) {
            for (int i = 0; i < n; i++) {
                if (score[i] >= 0 && group[i] == group[best] && score[i] >= score[best] * (1 - STICKINESS)
                        && candidates.get(i).capability().id().equals(previous)) {
                    winner = i;
                    kept = true;
                    break;
                }
            }
        }
        lastWinner.put(key, candidates.get(winner).capability().id());
        ScoredCandidate w = scored(candidates.get(winner), score[winner], similarity[winner], cost[winner]);
        List<ScoredCandidate> rest = new ArrayList<>(top.length);
        for (int i : top) {
            if (i != winner && rest.size() < RUNNERS_UP) {
                rest.add(scored(candidates.get(i), score[i], similarity[i], cost[i]));
            }
        }
        String text = reason.of(w, kept);
        if (kept) {
            text += "; kept the previous choice, within " + (int) (STICKINESS * 100) + "% of the best";
        }
        return new RouteDecision(Optional.of(w), rest, text, tasks);
    }

    static double fallback(int position) {
        return FALLBACK[Math.min(position, FALLBACK.length - 1)];
    }

    static double temperature() {
        return TEMPERATURE;
    }

    private static ScoredCandidate scored(RouteCandidate c, double score, double similarity, double cost) {
        return new ScoredCandidate(c.capability(), round(score), round(similarity), round(cost), c.costTerms());
    }

    /** Indices of the k best scores (ties by capability id), best first, without sorting everything. */
    private static int[] top(double[] score, int[] group, List<RouteCandidate> candidates, int k) {
        int[] idx = new int[k];
        int size = 0;
        for (int i = 0; i < score.length; i++) {
            if (score[i] < 0) {
                continue;
            }
            if (size == k && !better(i, idx[k - 1], score, group, candidates)) {
                continue;
            }
            int pos = size < k ? size++ : k - 1;
            while (pos > 0 && better(i, idx[pos - 1], score, group, candidates)) {
                idx[pos] = idx[pos - 1];
                pos--;
            }
            idx[pos] = i;
        }
        return size == k ? idx : Arrays.copyOf(idx, size);
    }

    private static boolean better(int a, int b, double[] score, int[] group, List<RouteCandidate> candidates) {
        if (group[a] != group[b]) {
            return group[a] < group[b];
        }
        if (score[a] != score[b]) {
            return score[a] > score[b];
        }
        return candidates.get(a).capability().id().compareTo(candidates.get(b).capability().id()) < 0;
    }

    /**
     * Indices of a capability vector's non-zero entries, or null when it is dense. Capability
     * vectors are cached by the node (the same array each decision), so this is computed once per
     * vector; lexical vectors are mostly zeros, which makes each dot product several times cheaper.
     */
    private final Map<float[], int[]> sparse = Collections.synchronizedMap(new WeakHashMap<>());

    private int[] nonZero(float[] v) {
        int[] idx = sparse.get(v);
        if (idx == null) {
            int count = 0;
            for (float x : v) {
                if (x != 0) {
                    count++;
                }
            }
            if (count * 3 > v.length) {
                idx = DENSE;
            } else {
                idx = new int[count];
                int j = 0;
                for (int i = 0; i < v.length; i++) {
                    if (v[i] != 0) {
                        idx[j++] = i;
                    }
                }
            }
            sparse.put(v, idx);
        }
        return idx == DENSE ? null : idx;
    }

    private static final int[] DENSE = new int[0];

    /** Dot product: the embedder contract says vectors are L2-normalised, so this is the cosine. */
    static double dot(float[] a, float[] b, int[] nonZeroOfB) {
        if (a.length != b.length) {
            return 0;
        }
        if (nonZeroOfB != null) {
            float s = 0;
            for (int i : nonZeroOfB) {
                s += a[i] * b[i];
            }
            return s;
        }
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
