package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.routing.Router;
import farm.llama.atmosphere.spi.routing.RouterProvider;

/** The built-in semantic router. */
public final class SemanticRouterProvider implements RouterProvider {

    /** Found by ServiceLoader. */
    public SemanticRouterProvider() {
    }

    @Override
    public String type() {
        return "semantic";
    }

    @Override
    public Router create(NodeContext context) {
        return new SemanticRouter(context.dataDir());
    }
}
