package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Optional;

/**
 * A trigger fired ({@code POST /api/v1/triggers/{capability}/{event}}, {@code trigger fire --json}).
 *
 * @param id this firing's id
 * @param trigger {@code capability/event}
 * @param intent the intent it made
 * @param priority its priority
 * @param throttled whether it was throttled (and did not act)
 * @param retryAfterSeconds when it acts again, if throttled
 * @param queued whether it was queued without waiting for the answer
 * @param answer the agent's answer, when waited for
 * @param error why it did not act, as the HTTP API says it (throttled)
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record TriggerFired(String id, String trigger, String intent, String priority, boolean throttled, Optional<Long> retryAfterSeconds,
                           Optional<Boolean> queued, Optional<AgentAnswer> answer, Optional<Problem> error) {

    /**
     * An error as the HTTP API reports it.
     *
     * @param type its family ({@code rate_limit_error})
     * @param code what it is ({@code throttled})
     * @param message what happened and what to do
     */
    public record Problem(String type, String code, String message) {
    }

    /** A missing optional is empty. */
    public TriggerFired {
        retryAfterSeconds = Optionals.orEmpty(retryAfterSeconds);
        queued = Optionals.orEmpty(queued);
        answer = Optionals.orEmpty(answer);
        error = Optionals.orEmpty(error);
    }

    /**
     * @param problem why it did not act
     * @return this firing with that error
     */
    public TriggerFired withError(Problem problem) {
        return new TriggerFired(id, trigger, intent, priority, throttled, retryAfterSeconds, queued, answer, Optional.of(problem));
    }
}
