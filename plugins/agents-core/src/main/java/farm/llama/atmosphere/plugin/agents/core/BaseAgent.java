package farm.llama.atmosphere.plugin.agents.core;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.agent.Agent;
import farm.llama.atmosphere.spi.agent.AgentReply;
import farm.llama.atmosphere.spi.agent.AgentState;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An agent that answers in the caller's thread, one intent at a time: idle, running while it
 * works, stopped once closed. Subclasses say what an intent does.
 */
abstract class BaseAgent implements Agent {

    private final String id;
    private volatile AgentState state = AgentState.IDLE;

    BaseAgent(String id) {
        this.id = id;
    }

    /**
     * @param intent what to do
     * @param args extra arguments
     * @param caller who asked: tools run as this caller
     * @return the answer
     */
    protected abstract AgentReply run(String intent, Map<String, Object> args, Caller caller);

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final AgentState state() {
        return state;
    }

    @Override
    public final CompletionStage<AgentReply> handle(String intent, Map<String, Object> args) {
        return handle(intent, args, Caller.LOCAL);
    }

    @Override
    public final synchronized CompletionStage<AgentReply> handle(String intent, Map<String, Object> args, Caller caller) {
        if (state == AgentState.STOPPED) {
            return CompletableFuture.failedFuture(new CallFailedException(FailureKind.NOT_FOUND, "agent " + id + " is stopped"));
        }
        state = AgentState.RUNNING;
        try {
            return CompletableFuture.completedFuture(run(intent, args, caller));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            if (state == AgentState.RUNNING) {
                state = AgentState.IDLE;
            }
        }
    }

    @Override
    public void close() {
        state = AgentState.STOPPED;
    }
}
