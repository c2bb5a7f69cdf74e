/**
 * The core agent types: echo, notifier and forwarder, the YAML spec agents (a bounded
 * tool-calling loop over a routed chat model) with the shipped specs, and the owner's specs.
 * Loaded as a PF4J plugin (through {@code META-INF/services}) or from the module path.
 */
module farm.llama.atmosphere.plugin.agents.core {
    requires farm.llama.atmosphere.spi;
    requires com.fasterxml.jackson.databind;
    requires org.yaml.snakeyaml;

    provides farm.llama.atmosphere.spi.agent.AgentTypeProvider
            with farm.llama.atmosphere.plugin.agents.core.CoreAgentsProvider;
}
