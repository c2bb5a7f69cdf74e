package farm.llama.atmosphere.spi.agent;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A running agent. Thread-safe; intents sent concurrently are handled one at a time in arrival
 * order unless the implementation says otherwise. After {@link #close()} its state is
 * {@link AgentState#STOPPED} and {@link #handle} completes exceptionally.
 */
public interface Agent extends AutoCloseable {

    /** @return the id the node gave it */
    String id();

    /** @return its current state */
    AgentState state();

    /**
     * Sends an intent. The agent may call tools and routed capabilities through the node context
     * it was created with.
     *
     * @param intent what to do, in words
     * @param args extra arguments (JSON-friendly values)
     * @return the answer; fails with {@link farm.llama.atmosphere.spi.CallFailedException}
     */
    CompletionStage<AgentReply> handle(String intent, Map<String, Object> args);

    /** @return what must be persisted for the agent to come back (asleep) after a restart */
    default Map<String, Object> snapshot() {
        return Map.of();
    }

    /** Stops the agent. Idempotent. */
    @Override
    void close();
}
