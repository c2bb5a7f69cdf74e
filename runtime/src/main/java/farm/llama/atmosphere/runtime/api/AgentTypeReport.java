package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Optional;

/**
 * An agent type this node can spawn ({@code GET /api/v1/agents/types}, {@code agent types --json}).
 *
 * @param type its name
 * @param description what it does
 * @param source built-in, a plugin, or the spec file it came from
 * @param requiredTools tools it cannot run without
 * @param optionalTools tools it uses when they are there
 * @param triggers the events it answers
 * @param ready whether it can run now
 * @param missing what it lacks, when it cannot
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record AgentTypeReport(String type, String description, String source, List<String> requiredTools, List<String> optionalTools,
                              List<String> triggers, boolean ready, Optional<List<String>> missing) {

    /** Copies; a missing optional is empty. */
    public AgentTypeReport {
        requiredTools = List.copyOf(requiredTools);
        optionalTools = List.copyOf(optionalTools);
        triggers = List.copyOf(triggers);
        missing = Optionals.orEmpty(missing).map(List::copyOf);
    }
}
