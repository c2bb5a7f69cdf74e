package farm.llama.atmosphere.runtime.agents;

import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.agent.AgentReply;
import java.util.Map;

/** A live agent as the node drives it: one intent at a time, on behalf of a caller. */
interface AgentRunner extends AutoCloseable {

    /**
     * @param intent what to do
     * @param args extra arguments
     * @param caller who asked; tools run as this caller
     * @return the answer
     */
    AgentReply handle(String intent, Map<String, Object> args, Caller caller);

    /** @return what to persist so the agent comes back after a restart */
    default Map<String, Object> snapshot() {
        return Map.of();
    }

    @Override
    default void close() {
    }
}
