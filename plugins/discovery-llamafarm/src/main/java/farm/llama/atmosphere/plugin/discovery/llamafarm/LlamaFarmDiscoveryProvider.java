package farm.llama.atmosphere.plugin.discovery.llamafarm;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Setting;
import farm.llama.atmosphere.spi.discovery.DiscoveryBackend;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;
import java.util.List;

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
    public List<Setting> settings() {
        return List.of(new Setting("namespaces", Setting.Kind.LIST, "[" + String.join(", ", LlamaFarmDiscovery.NAMESPACES) + "]",
                "LlamaFarm namespaces whose projects become capabilities"));
    }

    @Override
    public DiscoveryBackend create(NodeContext context) {
        return new LlamaFarmDiscovery(context);
    }
}
