package farm.llama.atmosphere.spi.agent;

import farm.llama.atmosphere.spi.Caller;
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

    /**
     * Sends an intent on behalf of a caller (since 0.2): the node calls this one. Tools the agent
     * runs for this intent must be run as {@code caller}
     * ({@link farm.llama.atmosphere.spi.tool.ToolAccess#run}), so that they are judged by the
     * grants of whoever asked, never by the node's own. The default ignores the caller and calls
     * {@link #handle(String, Map)}: right for an agent that runs no tools.
     *
     * @param intent what to do, in words
     * @param args extra arguments (JSON-friendly values)
     * @param caller who the intent is for: {@link farm.llama.atmosphere.spi.Caller#LOCAL} for the
     *               owner, {@code TRIGGER} for a trigger, else a member (and the node it asks for)
     * @return the answer; fails with {@link farm.llama.atmosphere.spi.CallFailedException}
     */
    default CompletionStage<AgentReply> handle(String intent, Map<String, Object> args, Caller caller) {
        return handle(intent, args);
    }

    /** @return what must be persisted for the agent to come back (asleep) after a restart */
    default Map<String, Object> snapshot() {
        return Map.of();
    }

    /** Stops the agent. Idempotent. */
    @Override
    void close();
}
