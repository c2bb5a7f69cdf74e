package farm.llama.atmosphere.spi.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.agent.Agent;
import farm.llama.atmosphere.spi.agent.AgentReply;
import farm.llama.atmosphere.spi.agent.AgentState;
import farm.llama.atmosphere.spi.agent.AgentType;
import farm.llama.atmosphere.spi.agent.AgentTypeProvider;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every agent type provider must do: types with unique names and descriptions; agents that
 * start idle with the id they were given, answer an intent (or fail with a
 * {@link CallFailedException}, never another failure) on a node with no capabilities, and stop
 * for good when closed.
 */
public abstract class AgentTypeContract extends ProviderContract<AgentTypeProvider> {

    @Override
    protected Class<AgentTypeProvider> family() {
        return AgentTypeProvider.class;
    }

    @Test
    public void typesHaveUniqueNamesAndSayWhatTheyDo() {
        List<AgentType> types = provider().create(context());
        assertFalse(types.isEmpty(), "an agent type provider offers types");
        Set<String> names = new HashSet<>();
        for (AgentType t : types) {
            assertTrue(names.add(t.name()), "two types named " + t.name());
            assertTrue(t.name().matches("[a-z][a-z0-9_-]{0,63}"), "a type name: " + t.name());
            assertFalse(t.description().isBlank(), t.name() + " needs a description");
            assertNotNull(t.requiredTools());
            assertNotNull(t.optionalTools());
            assertNotNull(t.triggers());
        }
    }

    @Test
    public void anAgentAnswersOrFailsAsACallAndStopsForGood() throws Exception {
        for (AgentType t : provider().create(context())) {
            Agent a = t.spawn(t.name() + "-1", Map.of());
            assertEquals(t.name() + "-1", a.id());
            assertEquals(AgentState.IDLE, a.state(), t.name());
            CompletionStage<AgentReply> answer = a.handle("say hello", Map.of(), Caller.LOCAL);
            try {
                AgentReply r = answer.toCompletableFuture().get(30, TimeUnit.SECONDS);
                assertTrue(r.steps() >= 0 && r.text() != null, t.name() + ": " + r);
            } catch (ExecutionException e) {
                assertTrue(e.getCause() instanceof CallFailedException, t.name() + " failed with " + e.getCause());
            }
            assertNotNull(a.snapshot(), t.name());
            a.close();
            a.close();
            assertEquals(AgentState.STOPPED, a.state(), t.name());
            ExecutionException after = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> a.handle("again", Map.of(), Caller.LOCAL).toCompletableFuture().get(30, TimeUnit.SECONDS), t.name());
            assertTrue(after.getCause() instanceof CallFailedException, t.name() + " after close: " + after.getCause());
        }
    }
}
