package farm.llama.atmosphere.plugin.agents.core;

import farm.llama.atmosphere.spi.agent.AgentTypeProvider;
import farm.llama.atmosphere.spi.contract.AgentTypeContract;

/** Echo, notifier, forwarder and the shipped spec agents keep the agent type contract. */
class CoreAgentsContractTest extends AgentTypeContract {

    @Override
    protected AgentTypeProvider provider() {
        return new CoreAgentsProvider();
    }
}
