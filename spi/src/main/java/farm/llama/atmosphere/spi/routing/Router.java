package farm.llama.atmosphere.spi.routing;

import java.util.List;

/**
 * Ranks candidate capabilities for a query. Pure decision: it executes nothing and does no I/O.
 *
 * <p>Thread-safe; {@link #route} is called concurrently. A router may keep state for hysteresis
 * (so equal choices do not flap between requests), which must be safe under concurrency.
 */
public interface Router extends AutoCloseable {

    /**
     * Ranks the candidates. Candidates are already filtered by what the query needs; the router
     * may still reject some (below its similarity threshold, unhealthy).
     *
     * @param query the intent, its vector and its needs
     * @param candidates the capabilities that could serve it, with their vectors and cost terms
     * @return the decision: winner (if any), its score terms, and ranked runners-up
     */
    RouteDecision route(RouteQuery query, List<RouteCandidate> candidates);

    /**
     * The embedder this router's candidates and queries are embedded with (since 0.2): the node
     * hands it the embedder it chose ({@code routing.embedder}), and uses what it returns for
     * routing only (the {@code embed} tool and embeddings API keep the chosen one). A router
     * may pair a model embedder with one of its own.
     *
     * @param chosen the node's embedder
     * @return the embedder to route with; the default is {@code chosen}
     */
    default Embedder routingEmbedder(Embedder chosen) {
        return chosen;
    }

    /**
     * The tasks this router tells apart by example (since 0.2), each with the capability types
     * that serve it, best first ({@code code} → {@code llm/code}, {@code llm/chat}). The node
     * checks the owner's examples ({@code routing.examples}, route feedback) against it.
     *
     * @return task → serving types; empty (the default) for a router that does not route by example
     */
    default java.util.Map<String, List<String>> tasks() {
        return java.util.Map.of();
    }

    /**
     * The owner's own example intents (since 0.2): from {@code routing.examples} in config and
     * from route feedback. Replaces what was taught before; the router's own examples stay.
     *
     * @param examples task → example intents, tasks among {@link #tasks()}
     */
    default void teach(java.util.Map<String, List<String>> examples) {
    }

    /** Releases state. Idempotent. */
    @Override
    default void close() {
    }
}
