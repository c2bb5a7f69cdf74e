package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.spi.routing.RouteCandidate;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.Router;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ranks candidates by meaning and cost: {@code score = fit / cost}, where fit is the cosine
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
    /** Below this similarity a winner is still chosen, but the decision says the match is weak. */
    public static final double WEAK_MATCH = 0.15;

    private final Map<String, String> lastWinner = new ConcurrentHashMap<>();

    @Override
    public RouteDecision route(RouteQuery query, List<RouteCandidate> candidates) {
        List<ScoredCandidate> scored = new ArrayList<>();
        for (RouteCandidate c : candidates) {
            if (!c.healthy()) {
                continue;
            }
            double similarity = query.model().isPresent() ? 1.0 : cosine(c.queryVector(), c.vector());
            double fit = query.model().isPresent() ? 1.0 : Math.max(0, similarity);
            double cost = 1.0;
            for (double term : c.costTerms().values()) {
                cost *= Math.max(term, 1e-6);
            }
            double score = Math.min(1.0, fit / Math.max(cost, 1e-6));
            scored.add(new ScoredCandidate(c.capability(), round(score), round(similarity), round(cost), c.costTerms()));
        }
        if (scored.isEmpty()) {
            String why = candidates.isEmpty() ? "no capability of the kind this request needs (" + String.join(", ", query.needs()) + ")"
                    + query.model().map(m -> " serving model '" + m + "'").orElse("") + " is known"
                    : "every capability that fits is unhealthy (its backend is down)";
            return new RouteDecision(Optional.empty(), List.of(), why);
        }
        scored.sort(Comparator.comparingDouble(ScoredCandidate::score).reversed()
                .thenComparing(s -> s.capability().id()));
        ScoredCandidate best = scored.get(0);
        String key = String.join(",", new java.util.TreeSet<>(query.needs())) + "|" + query.model().orElse("auto")
                + "|" + best.capability().name();
        String previous = lastWinner.get(key);
        ScoredCandidate winner = best;
        boolean kept = false;
        if (previous != null && !previous.equals(best.capability().id())) {
            for (ScoredCandidate s : scored) {
                if (s.capability().id().equals(previous) && s.score() >= best.score() * (1 - STICKINESS)) {
                    winner = s;
                    kept = true;
                    break;
                }
            }
        }
        lastWinner.put(key, winner.capability().id());
        List<ScoredCandidate> rest = new ArrayList<>(scored);
        rest.remove(winner);
        String reason;
        if (query.model().isPresent()) {
            reason = "model '" + query.model().get() + "' requested; " + winner.capability().id() + " serves it at the lowest cost ("
                    + winner.cost() + ")";
        } else {
            reason = winner.capability().name() + " (" + winner.capability().type() + ") fits best: similarity "
                    + winner.similarity() + ", cost " + winner.cost()
                    + (winner.similarity() < WEAK_MATCH ? "; weak match, nothing fits better" : "");
        }
        if (kept) {
            reason += "; kept the previous choice, within " + (int) (STICKINESS * 100) + "% of the best";
        }
        return new RouteDecision(Optional.of(winner), rest, reason);
    }

    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            return 0;
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
