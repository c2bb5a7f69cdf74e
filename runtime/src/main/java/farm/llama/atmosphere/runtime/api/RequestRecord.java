package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One request to the OpenAI-compatible API, once it ended ({@code request.completed} event,
 * {@code GET /api/v1/requests}).
 *
 * @param requestId this node's id for it ({@code req-<n>})
 * @param at when it arrived (ISO-8601)
 * @param client who asked: an API key's name ({@code key:NAME}), {@code admin}, {@code dashboard} or {@code local}
 * @param endpoint {@code chat}, {@code completions} or {@code embeddings}
 * @param stream whether the answer was streamed
 * @param modelAsked the model the client named ({@code auto} routes by meaning)
 * @param route the route that served it ({@code node/backend/model}), "" when none did
 * @param node the node that served it, "" when none did
 * @param model the model that served it, "" when none did
 * @param failover the routes tried before it, each with why it failed
 * @param firstTokenMs from arrival to the first chunk of the answer, -1 when none came
 * @param totalMs from arrival to the end of the answer
 * @param tokensIn prompt tokens as the backend counted them (0 when it did not say)
 * @param tokensOut completion tokens as the backend counted them (0 when it did not say)
 * @param status the HTTP status of the answer
 * @param error why it failed (also a stream that broke after its first chunk), when it did
 * @param prompt the last user message, kept only under {@code ui.show-prompts: true} and shown only to admins
 * @param answer the answer's text, likewise
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record RequestRecord(String requestId, String at, String client, String endpoint, boolean stream, String modelAsked, String route, String node,
                            String model, List<String> failover, long firstTokenMs, long totalMs, int tokensIn, int tokensOut, int status,
                            Optional<String> error, Optional<String> prompt, Optional<String> answer) {

    /** Validates; a missing optional is empty. */
    public RequestRecord {
        Objects.requireNonNull(requestId, "requestId");
        failover = List.copyOf(failover);
        error = Optionals.orEmpty(error);
        prompt = Optionals.orEmpty(prompt);
        answer = Optionals.orEmpty(answer);
    }

    /** @return whether it failed (an error status, or a stream that broke) */
    public boolean failed() {
        return status >= 400 || error.isPresent();
    }

    /** @return it without the text of the prompt and the answer (for anyone but an admin) */
    public RequestRecord withoutText() {
        return prompt.isEmpty() && answer.isEmpty() ? this
                : new RequestRecord(requestId, at, client, endpoint, stream, modelAsked, route, node, model, failover, firstTokenMs, totalMs,
                        tokensIn, tokensOut, status, error, Optional.empty(), Optional.empty());
    }
}
