package farm.llama.atmosphere.spi.routing;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of routing, explained.
 *
 * @param winner the chosen candidate, or empty when none fits
 * @param runnersUp the other acceptable candidates, best first (failover order)
 * @param reason one sentence for people: why the winner, or why nothing
 */
public record RouteDecision(Optional<ScoredCandidate> winner, List<ScoredCandidate> runnersUp, String reason) {

    /** Validates and copies. */
    public RouteDecision {
        Objects.requireNonNull(winner, "winner");
        runnersUp = List.copyOf(runnersUp);
        Objects.requireNonNull(reason, "reason");
    }
}
