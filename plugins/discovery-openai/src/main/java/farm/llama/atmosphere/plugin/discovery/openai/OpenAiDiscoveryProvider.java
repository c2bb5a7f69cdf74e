package farm.llama.atmosphere.plugin.discovery.openai;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.DiscoveryBackend;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;

/** Finds OpenAI-compatible servers: LM Studio (1234), llama.cpp server (8080), vLLM (8000), or any configured URL. */
public final class OpenAiDiscoveryProvider implements DiscoveryProvider {

    /** Found by ServiceLoader. */
    public OpenAiDiscoveryProvider() {
    }

    @Override
    public String type() {
        return "openai";
    }

    @Override
    public DiscoveryBackend create(NodeContext context) {
        return new OpenAiDiscovery(context);
    }
}
