/** Discovers OpenAI-compatible servers (LM Studio, llama.cpp, vLLM) and runs chat and embeddings on them. */
module farm.llama.atmosphere.plugin.discovery.openai {
    requires farm.llama.atmosphere.spi;
    requires com.fasterxml.jackson.databind;

    provides farm.llama.atmosphere.spi.discovery.DiscoveryProvider
            with farm.llama.atmosphere.plugin.discovery.openai.OpenAiDiscoveryProvider;
}
