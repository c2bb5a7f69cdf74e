package farm.llama.atmosphere.plugin.discovery.ollama;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.DiscoveryBackend;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;

/** Finds Ollama servers. */
public final class OllamaDiscoveryProvider implements DiscoveryProvider {

    /** Found by ServiceLoader. */
    public OllamaDiscoveryProvider() {
    }

    @Override
    public String type() {
        return "ollama";
    }

    @Override
    public DiscoveryBackend create(NodeContext context) {
        return new OllamaDiscovery(context);
    }
}
