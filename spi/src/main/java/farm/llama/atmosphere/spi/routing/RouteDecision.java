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
 * @param tasks how the intent matched each task the router tells apart by example, best first;
 *              empty when the router did not route by example (since 0.2)
 */
public record RouteDecision(Optional<ScoredCandidate> winner, List<ScoredCandidate> runnersUp, String reason,
                            List<TaskMatch> tasks) {

    /** Validates and copies. */
    public RouteDecision {
        Objects.requireNonNull(winner, "winner");
        runnersUp = List.copyOf(runnersUp);
        Objects.requireNonNull(reason, "reason");
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }

    /**
     * A decision that matched no task by example.
     *
     * @param winner the chosen candidate, or empty when none fits
     * @param runnersUp the other acceptable candidates, best first
     * @param reason why
     */
    public RouteDecision(Optional<ScoredCandidate> winner, List<ScoredCandidate> runnersUp, String reason) {
        this(winner, runnersUp, reason, List.of());
    }
}
