/** Discovers LlamaFarm and offers its projects as capabilities. */
module farm.llama.atmosphere.plugin.discovery.llamafarm {
    requires farm.llama.atmosphere.spi;
    requires com.fasterxml.jackson.databind;

    provides farm.llama.atmosphere.spi.discovery.DiscoveryProvider
            with farm.llama.atmosphere.plugin.discovery.llamafarm.LlamaFarmDiscoveryProvider;
}
