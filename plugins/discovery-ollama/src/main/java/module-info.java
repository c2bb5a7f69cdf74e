/** Discovers Ollama servers and runs chat and embeddings on them. */
module farm.llama.atmosphere.plugin.discovery.ollama {
    requires farm.llama.atmosphere.spi;
    requires com.fasterxml.jackson.databind;

    provides farm.llama.atmosphere.spi.discovery.DiscoveryProvider
            with farm.llama.atmosphere.plugin.discovery.ollama.OllamaDiscoveryProvider;
}
