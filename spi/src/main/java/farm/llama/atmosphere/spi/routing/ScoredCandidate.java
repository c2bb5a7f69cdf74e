package farm.llama.atmosphere.spi.routing;

import farm.llama.atmosphere.spi.discovery.Capability;
import java.util.Map;
import java.util.Objects;

/**
 * A candidate with its score and the terms that made it.
 *
 * @param capability the capability
 * @param score the final score in [0, 1]; higher is better
 * @param similarity cosine similarity of intent and description, in [-1, 1]
 * @param cost the combined cost multiplier (1.0 neutral; higher is costlier)
 * @param costTerms each named cost multiplier
 */
public record ScoredCandidate(Capability capability, double score, double similarity, double cost,
                              Map<String, Double> costTerms) {

    /** Validates and copies the map, keeping its order. */
    public ScoredCandidate {
        Objects.requireNonNull(capability, "capability");
        costTerms = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(costTerms));
    }
}
