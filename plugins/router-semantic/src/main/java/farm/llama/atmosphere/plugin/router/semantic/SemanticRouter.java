package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.RouteCandidate;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.Router;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ranks candidates by meaning and cost: {@code score = fit × cost^-0.5}, where fit is the cosine
 * similarity of intent and description mapped to [0, 1] (or 1 when the caller named the model)
 * and cost is the product of the cost terms. Unhealthy candidates are left out.
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

    private final Map<String, String> lastWinner = new ConcurrentHashMap<>();

    /** How many runners-up a decision lists (and failover may try). */
    public static final int RUNNERS_UP = 16;

    private final LexicalEmbedder lexical = new LexicalEmbedder();

    /**
     * Routes with the lexicon beside a model embedder ({@link HybridEmbedder}): meaning from the
     * model, exact terms from the lexicon. The lexical embedder alone is used as it is.
     */
    @Override
    public Embedder routingEmbedder(Embedder chosen) {
        return chosen.id().equals(lexical.id()) ? chosen : new HybridEmbedder(chosen, lexical);
    }

    @Override
    public RouteDecision route(RouteQuery query, List<RouteCandidate> candidates) {
        int n = candidates.size();
        double[] score = new double[n];
        double[] similarity = new double[n];
        double[] cost = new double[n];
        int healthy = 0;
        boolean named = query.model().isPresent();
        for (int i = 0; i < n; i++) {
            RouteCandidate c = candidates.get(i);
            if (!c.healthy()) {
                score[i] = -1;
                continue;
            }
            healthy++;
            double sim = named ? 1.0 : dot(c.queryVector(), c.vector(), nonZero(c.vector()));
            double k = 1.0;
            for (double term : c.costTerms().values()) {
                k *= Math.max(term, 1e-6);
            }
            similarity[i] = sim;
            cost[i] = k;
            score[i] = Math.min(1.0, Math.max(0, sim) * Math.pow(Math.max(k, 1e-6), -COST_WEIGHT));
        }
        if (healthy == 0) {
            String why = candidates.isEmpty() ? "no capability of the kind this request needs (" + String.join(", ", query.needs()) + ")"
                    + query.model().map(m -> " serving model '" + m + "'").orElse("") + " is known"
                    : "every capability that fits is unhealthy (its backend is down)";
            return new RouteDecision(Optional.empty(), List.of(), why);
        }
        int[] top = top(score, candidates, Math.min(healthy, RUNNERS_UP + 1));
        int best = top[0];
        String key = String.join(",", new TreeSet<>(query.needs())) + "|" + query.model().orElse("auto")
                + "|" + candidates.get(best).capability().name();
        String previous = lastWinner.get(key);
        int winner = best;
        boolean kept = false;
        if (previous != null && !previous.equals(candidates.get(best).capability().id())) {
            for (int i = 0; i < n; i++) {
                if (score[i] >= 0 && score[i] >= score[best] * (1 - STICKINESS)
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
        String reason;
        if (named) {
            reason = "model '" + query.model().get() + "' requested; " + w.capability().id() + " serves it at the lowest cost ("
                    + w.cost() + ")";
        } else {
            reason = w.capability().name() + " (" + w.capability().type() + ") fits best: similarity "
                    + w.similarity() + ", cost " + w.cost()
                    + (w.similarity() < WEAK_MATCH ? "; weak match, nothing fits better" : "");
        }
        if (kept) {
            reason += "; kept the previous choice, within " + (int) (STICKINESS * 100) + "% of the best";
        }
        return new RouteDecision(Optional.of(w), rest, reason);
    }

    private static ScoredCandidate scored(RouteCandidate c, double score, double similarity, double cost) {
        return new ScoredCandidate(c.capability(), round(score), round(similarity), round(cost), c.costTerms());
    }

    /** Indices of the k best scores (ties by capability id), best first, without sorting everything. */
    private static int[] top(double[] score, List<RouteCandidate> candidates, int k) {
        int[] idx = new int[k];
        int size = 0;
        for (int i = 0; i < score.length; i++) {
            if (score[i] < 0) {
                continue;
            }
            if (size == k && !better(i, idx[k - 1], score, candidates)) {
                continue;
            }
            int pos = size < k ? size++ : k - 1;
            while (pos > 0 && better(i, idx[pos - 1], score, candidates)) {
                idx[pos] = idx[pos - 1];
                pos--;
            }
            idx[pos] = i;
        }
        return size == k ? idx : Arrays.copyOf(idx, size);
    }

    private static boolean better(int a, int b, double[] score, List<RouteCandidate> candidates) {
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
