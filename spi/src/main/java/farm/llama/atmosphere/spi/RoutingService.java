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
