package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.RoutingService;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.util.concurrent.Flow;

/**
 * The router as providers see it through their context. Providers are created before the router
 * exists (the router needs the embedder and discovery plugins), so calls go through this
 * indirection; before the node finished starting they fail clearly.
 */
public final class DeferredRouting implements RoutingService {

    private volatile RoutingService target;
    private volatile Runnable ensureScanned = () -> { };

    /**
     * @param routing the node's router, once it exists
     * @param ensureScanned scans the backends once, if nobody has yet (before a chat: the first
     *                      request after start must find them)
     */
    public void target(RoutingService routing, Runnable ensureScanned) {
        this.target = routing;
        this.ensureScanned = ensureScanned;
    }

    private RoutingService target() {
        RoutingService t = target;
        if (t == null) {
            throw new CallFailedException(FailureKind.OVERLOADED, "the node is still starting; routing is not ready yet");
        }
        return t;
    }

    @Override
    public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
        return target().chat(request);
    }

    @Override
    public String complete(ChatRequest request) {
        RoutingService t = target();
        ensureScanned.run();
        return t.complete(request);
    }

    @Override
    public Embeddings embed(EmbedRequest request) {
        return target().embed(request);
    }

    @Override
    public RouteDecision explain(RouteQuery query) {
        return target().explain(query);
    }
}
