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

    /**
     * Creates an agent.
     *
     * @param id the id the node assigned
     * @param params spawn parameters (JSON-friendly values), merged over the type's defaults
     * @return a new agent in state {@link AgentState#IDLE}, owned by the caller
     */
    Agent spawn(String id, Map<String, Object> params);
}
