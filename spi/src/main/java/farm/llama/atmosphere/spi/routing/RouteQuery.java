package farm.llama.atmosphere.spi.routing;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What is being routed.
 *
 * @param intent the text that carries the meaning (the last user message, or an explicit intent)
 * @param needs capability types the target must have, any of them ({@code llm/chat}, {@code vision/chat}, ...)
 * @param model a model name the caller insists on, or empty for {@code auto}
 */
public record RouteQuery(String intent, Set<String> needs, Optional<String> model) {

    /** Validates and copies. */
    public RouteQuery {
        Objects.requireNonNull(intent, "intent");
        needs = Set.copyOf(needs);
        Objects.requireNonNull(model, "model");
    }

    /**
     * @param intent the intent text
     * @return a query for a chat capability chosen by meaning
     */
    public static RouteQuery chat(String intent) {
        return new RouteQuery(intent, Set.of("llm/chat"), Optional.empty());
    }
}
