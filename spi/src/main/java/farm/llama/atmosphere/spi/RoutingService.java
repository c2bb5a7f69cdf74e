package farm.llama.atmosphere.spi;

import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.util.concurrent.Flow;

/**
 * The node's router as tools and agents see it: routed chat, routed embeddings and route
 * explanations, over every capability the node can reach.
 *
 * <p>Thread-safe. Calls may be made from any thread, concurrently.
 */
public interface RoutingService {

    /**
     * Routes a chat request to the best capability and streams the answer. Subscribing starts
     * the call; cancelling the subscription cancels it at the backend.
     *
     * @param request the request; model {@code auto} routes by meaning
     * @return a cold publisher of chunks; errors are signalled as {@link CallFailedException}
     */
    Flow.Publisher<ChatChunk> chat(ChatRequest request);

    /**
     * Routes a chat request and gathers the whole answer (since 0.2): what an agent's tool-calling
     * loop needs. The request's {@code tools} steer routing to a capability that can call them
     * when one exists, and the answer's {@code tool_calls} arrive assembled, each with its
     * {@code id}, {@code function.name} and complete {@code function.arguments}.
     *
     * @param request the request; model {@code auto} routes by meaning
     * @return an OpenAI {@code chat.completion} object as JSON text
     * @throws CallFailedException when no capability can answer or every candidate failed
     */
    default String complete(ChatRequest request) {
        throw new CallFailedException(FailureKind.NOT_FOUND, "This router gathers no whole answers.");
    }

    /**
     * Routes an embeddings request.
     *
     * @param request the request
     * @return the vectors
     * @throws CallFailedException when no capability can serve it or every candidate failed
     */
    Embeddings embed(EmbedRequest request);

    /**
     * Explains where a request would go, without executing anything.
     *
     * @param query what is being routed
     * @return the decision with its score terms and the runners-up
     */
    RouteDecision explain(RouteQuery query);
}
