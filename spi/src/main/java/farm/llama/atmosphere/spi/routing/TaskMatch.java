package farm.llama.atmosphere.spi.routing;

import java.util.List;
import java.util.Objects;

/**
 * How well an intent matched one task a router tells apart by example (since 0.2): the task's
 * score and the examples that decided it.
 *
 * @param task the task ({@code code}, {@code math}, {@code chat}, ...)
 * @param score how closely the intent matches the task's nearest examples (higher is closer)
 * @param examples those nearest examples, nearest first (an owner's own marked {@code (taught)})
 */
public record TaskMatch(String task, double score, List<String> examples) {

    /** Validates and copies. */
    public TaskMatch {
        Objects.requireNonNull(task, "task");
        examples = List.copyOf(examples);
    }
}
