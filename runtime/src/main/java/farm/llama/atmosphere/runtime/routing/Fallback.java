package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.spi.routing.RouteCandidate;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the node decides when no router plugin is loaded (the owner disabled {@code router-semantic}
 * and installed no other): a request that names a model goes to the healthy candidate serving it
 * with the lowest cost (the product of its cost terms), the others as runners-up in order of
 * cost; a request for {@code auto}, which routes by meaning, gets no winner and a reason that
 * says how to get a router back. Not a router: it ranks by cost only and keeps no state.
 */
final class Fallback {

    /** The reason a decision without a router gives for {@code auto}. */
    static final String NO_ROUTER = "model \"auto\" routes by meaning, which needs a router plugin, and none is loaded"
            + " (router-semantic is disabled or missing). Enable it with 'atmosphere plugin enable router-semantic',"
            + " or name a model.";

    private Fallback() {
    }

    /**
     * @param query what is routed
     * @param candidates what could serve it
     * @return the cheapest healthy candidate first, or no winner for a query that names no model
     */
    static RouteDecision decide(RouteQuery query, List<RouteCandidate> candidates) {
        if (query.model().isEmpty()) {
            return new RouteDecision(Optional.empty(), List.of(), NO_ROUTER);
        }
        List<ScoredCandidate> ranked = new ArrayList<>();
        for (RouteCandidate c : candidates) {
            if (c.healthy()) {
                double cost = cost(c.costTerms());
                ranked.add(new ScoredCandidate(c.capability(), 1 / cost, 1.0, cost, c.costTerms()));
            }
        }
        if (ranked.isEmpty()) {
            return new RouteDecision(Optional.empty(), List.of(), candidates.isEmpty()
                    ? "no capability serves the model " + query.model().get()
                    : "every backend serving the model " + query.model().get() + " is down");
        }
        ranked.sort(Comparator.comparingDouble(ScoredCandidate::cost));
        return new RouteDecision(Optional.of(ranked.get(0)), ranked.subList(1, ranked.size()),
                "no router plugin is loaded: the cheapest healthy backend serving " + query.model().get());
    }

    private static double cost(Map<String, Double> terms) {
        double product = 1;
        for (double t : terms.values()) {
            product *= t;
        }
        return Math.max(product, 1e-9);
    }
}
