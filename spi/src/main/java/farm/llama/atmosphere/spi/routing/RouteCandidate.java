package farm.llama.atmosphere.spi.routing;

import farm.llama.atmosphere.spi.discovery.Capability;
import java.util.Map;
import java.util.Objects;

/**
 * A capability offered to the router, with what the node knows about it.
 *
 * @param capability the capability
 * @param vector the embedding of its description by the node's embedder; must not be modified
 * @param queryVector the embedding of the query's intent by the same embedder; must not be modified
 * @param costTerms named cost multipliers (each ≥ 0, 1.0 neutral): {@code power}, {@code cpu},
 *                  {@code memory}, {@code gpu}, {@code network}, {@code latency}, {@code price}, {@code load}, {@code cold}
 * @param healthy whether its backend or node answered recently
 */
public record RouteCandidate(Capability capability, float[] vector, float[] queryVector,
                             Map<String, Double> costTerms, boolean healthy) {

    /** Validates and copies the map, keeping its order. */
    public RouteCandidate {
        Objects.requireNonNull(capability, "capability");
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(queryVector, "queryVector");
        costTerms = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(costTerms));
    }
}
