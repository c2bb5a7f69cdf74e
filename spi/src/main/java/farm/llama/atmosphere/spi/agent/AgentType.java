package farm.llama.atmosphere.spi.agent;

import java.util.List;
import java.util.Map;

/**
 * A kind of agent. Thread-safe and immutable; {@link #spawn} may be called concurrently.
 */
public interface AgentType {

    /** @return the type name ({@code echo}, {@code research}); the capability is {@code agent/<name>} */
    String name();

    /** @return what agents of this type do, in words a router can match intents against */
    String description();

    /** @return names of the tools an agent of this type needs; it cannot be spawned without them */
    default List<String> requiredTools() {
        return List.of();
    }

    /** @return names of tools an agent of this type uses when they are there (since 0.2) */
    default List<String> optionalTools() {
        return List.of();
    }

    /** @return names of the events it reacts to, for people choosing a trigger's route (since 0.2) */
    default List<String> triggers() {
        return List.of();
    }

    /**
     * @return whether it cannot work without a chat model (since 0.2): the node then offers the
     *         type only while a chat model is reachable here or on a live member
     */
    default boolean needsChatModel() {
        return false;
    }

    /**
     * Creates an agent.
     *
     * @param id the id the node assigned
     * @param params spawn parameters (JSON-friendly values), merged over the type's defaults
     * @return a new agent in state {@link AgentState#IDLE}, owned by the caller
     */
    Agent spawn(String id, Map<String, Object> params);
}
