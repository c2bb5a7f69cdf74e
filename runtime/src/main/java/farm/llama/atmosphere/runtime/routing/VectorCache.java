package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.spi.routing.Embedder;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Vectors of candidates' descriptions and of intents, cached by content (the text itself is the
 * key, with its cached hash: no digest per lookup), for the routing embedder in effect; bounded.
 */
final class VectorCache {

    private static final int MAX_CACHED_VECTORS = 100_000;

    private final Map<String, float[]> vectors = new ConcurrentHashMap<>();
    private volatile RoutingEngine owner;

    /** @param engine the router and embedder in effect */
    VectorCache(RoutingEngine engine) {
        this.owner = engine;
    }

    /**
     * @param text a description or an intent
     * @param engine the router and embedder the caller decides with (a vector made by an
     *               embedder swapped out meanwhile is returned, not kept)
     * @return its vector, empty when no embedder is loaded
     */
    float[] vector(String text, RoutingEngine engine) {
        float[] v = engine == owner ? vectors.get(text) : null;
        if (v == null) {
            Optional<Embedder> e = engine.routing();
            if (e.isEmpty()) {
                return new float[0];
            }
            v = e.get().embed(text);
            if (engine == owner) {
                if (vectors.size() > MAX_CACHED_VECTORS) {
                    vectors.clear();
                }
                vectors.put(text, v);
            }
        }
        return v;
    }

    /** @param next the router and embedder now in effect: every vector of the previous one is forgotten */
    void clear(RoutingEngine next) {
        owner = next;
        vectors.clear();
    }
}
