package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.spi.routing.Embedder;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Vectors of candidates' descriptions and of intents, cached by content (the text itself is the
 * key, with its cached hash: no digest per lookup), for the routing embedder in effect; bounded.
 */
final class VectorCache {

    private static final int MAX_CACHED_VECTORS = 100_000;

    private final Map<String, float[]> vectors = new ConcurrentHashMap<>();

    /**
     * @param text a description or an intent
     * @param engine the router and embedder in effect (read again after embedding: a vector made
     *               by an embedder swapped out meanwhile is not kept)
     * @return its vector, empty when no embedder is loaded
     */
    float[] vector(String text, Supplier<RoutingEngine> engine) {
        float[] v = vectors.get(text);
        if (v == null) {
            if (vectors.size() > MAX_CACHED_VECTORS) {
                vectors.clear();
            }
            RoutingEngine now = engine.get();
            Optional<Embedder> e = now.routing();
            if (e.isEmpty()) {
                return new float[0];
            }
            v = e.get().embed(text);
            if (now == engine.get()) {
                vectors.put(text, v);
            }
        }
        return v;
    }

    /** Forgets every vector (the embedder changed). */
    void clear() {
        vectors.clear();
    }
}
