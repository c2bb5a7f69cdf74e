package farm.llama.atmosphere.spi.routing;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Provider;

/**
 * Makes a {@link Router}. The node uses the router with the highest weight unless
 * {@code routing.router} in config names a type.
 */
public interface RouterProvider extends Provider {

    /**
     * @param context the node context; config is the {@code routing.<type>} subtree
     * @return a new router, owned by the caller
     */
    Router create(NodeContext context);
}
