package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.Router;
import java.util.Optional;

/**
 * The router and embedder in effect, swapped together when plugins change.
 *
 * @param router the router plugin's, if one is loaded
 * @param embedder the node's embedder ({@code routing.embedder}), if one is loaded
 * @param routing what candidates and queries are embedded with: the router's choice over the embedder
 */
public record RoutingEngine(Optional<Router> router, Optional<Embedder> embedder, Optional<Embedder> routing) {

    /**
     * @param router the router, if any
     * @param embedder the embedder, if any
     * @return both, with the embedder the router routes with
     */
    public static RoutingEngine of(Optional<Router> router, Optional<Embedder> embedder) {
        return new RoutingEngine(router, embedder, embedder.map(e -> router.map(r -> r.routingEmbedder(e)).orElse(e)));
    }
}
