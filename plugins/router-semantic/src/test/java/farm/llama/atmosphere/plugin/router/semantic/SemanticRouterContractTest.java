package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.contract.RouterContract;
import farm.llama.atmosphere.spi.routing.RouterProvider;

/** The semantic router keeps the router contract. */
class SemanticRouterContractTest extends RouterContract {

    @Override
    protected RouterProvider provider() {
        return new SemanticRouterProvider();
    }
}
