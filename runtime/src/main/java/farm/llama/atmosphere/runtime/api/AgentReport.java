package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Optional;

/**
 * An agent spawned here ({@code GET /api/v1/agents}, {@code agent list --json}), with its first
 * answer when it was spawned with an intent.
 *
 * @param id its id
 * @param type its type
 * @param state idle, running, asleep or stopped
 * @param created when it was spawned (ISO-8601)
 * @param lastActivity when it last ran (ISO-8601)
 * @param invocations how often it ran
 * @param params its parameters (a JSON object)
 * @param spawnedBy who spawned it
 * @param answer its answer to the intent it was spawned with
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record AgentReport(String id, String type, String state, String created, String lastActivity, long invocations, JsonText params,
                          String spawnedBy, Optional<AgentAnswer> answer) {

    /** A missing optional is empty. */
    public AgentReport {
        params = params == null ? JsonText.EMPTY_OBJECT : params;
        answer = Optionals.orEmpty(answer);
    }

    /**
     * @param first its answer to the intent it was spawned with
     * @return this agent with that answer
     */
    public AgentReport withAnswer(AgentAnswer first) {
        return new AgentReport(id, type, state, created, lastActivity, invocations, params, spawnedBy, Optional.of(first));
    }
}
