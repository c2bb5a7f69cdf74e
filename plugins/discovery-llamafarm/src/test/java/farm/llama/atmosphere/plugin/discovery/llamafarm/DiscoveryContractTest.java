package farm.llama.atmosphere.plugin.discovery.llamafarm;

import farm.llama.atmosphere.spi.contract.DiscoveryContract;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;

/** This discovery plugin keeps the discovery contract. */
class DiscoveryContractTest extends DiscoveryContract {

    @Override
    protected DiscoveryProvider provider() {
        return new LlamaFarmDiscoveryProvider();
    }
}
