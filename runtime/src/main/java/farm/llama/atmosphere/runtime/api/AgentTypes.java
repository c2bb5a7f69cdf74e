package farm.llama.atmosphere.runtime.api;

import java.util.List;

/**
 * The agent types of this node and the specs that failed to load ({@code GET /api/v1/agents/types}).
 *
 * @param types the types
 * @param problems each spec that failed, naming file, line and problem
 */
public record AgentTypes(List<AgentTypeReport> types, List<String> problems) {

    /** Copies. */
    public AgentTypes {
        types = List.copyOf(types);
        problems = List.copyOf(problems);
    }
}
