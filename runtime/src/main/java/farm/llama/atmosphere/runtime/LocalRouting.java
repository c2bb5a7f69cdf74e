package farm.llama.atmosphere.runtime;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.RoutingService;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;

/**
 * Routing over the node's capability registry. This node has no discovery plugins wired to a
 * registry yet, so there is nothing to route to: every call reports that, precisely, instead of
 * pretending.
 */
final class LocalRouting implements RoutingService {

    private static final String NONE = "no capability is registered on this node yet"
            + " (backend discovery and routing arrive with the discovery plugins)";

    @Override
    public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
        SubmissionPublisher<ChatChunk> publisher = new SubmissionPublisher<>();
        publisher.closeExceptionally(new CallFailedException(FailureKind.NOT_FOUND, "Cannot route chat: " + NONE));
        return publisher;
    }

    @Override
    public Embeddings embed(EmbedRequest request) {
        throw new CallFailedException(FailureKind.NOT_FOUND, "Cannot route embeddings: " + NONE);
    }

    @Override
    public RouteDecision explain(RouteQuery query) {
        return new RouteDecision(Optional.empty(), List.of(), NONE);
    }
}
