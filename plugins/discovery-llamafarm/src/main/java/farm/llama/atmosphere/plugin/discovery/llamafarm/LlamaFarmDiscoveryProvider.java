package farm.llama.atmosphere.plugin.discovery.llamafarm;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.DiscoveryBackend;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;

/** Finds LlamaFarm servers; each project becomes a capability. */
public final class LlamaFarmDiscoveryProvider implements DiscoveryProvider {

    /** Found by ServiceLoader. */
    public LlamaFarmDiscoveryProvider() {
    }

    @Override
    public String type() {
        return "llamafarm";
    }

    @Override
    public DiscoveryBackend create(NodeContext context) {
        return new LlamaFarmDiscovery(context);
    }
}
