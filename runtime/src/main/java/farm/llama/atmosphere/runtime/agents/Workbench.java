package farm.llama.atmosphere.runtime.agents;

import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.tools.Caller;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What agents use of their node: routed chat, tools here or on other members, routing and events. */
public interface Workbench {

    /**
     * A routed chat completion, gathered whole.
     *
     * @param body an OpenAI chat request body ({@code model}, {@code messages}, {@code tools})
     * @return the {@code chat.completion} answer
     * @throws CallFailedException when no capability can answer
     */
    ObjectNode complete(ObjectNode body);

    /**
     * @param name a tool name
     * @return the OpenAI {@code tools[]} entry for it, when this node or a live member offers it
     */
    Optional<ObjectNode> toolDefinition(String name);

    /**
     * Runs a tool here, or on the member that offers it when this node has none of that name.
     *
     * @param name the tool
     * @param argumentsJson a JSON object
     * @param caller who is asking; on another member the call carries it, and is judged by its grants there
     * @return the result as JSON text
     */
    String runTool(String name, String argumentsJson, Caller caller);

    /** @return whether a chat model is reachable (here or on a live member): spec agents need one */
    boolean canChat();

    /** @return the agent types other live members offer ({@code agent/<type>} capabilities) */
    List<Capability> remoteAgents();

    /**
     * @param query what is routed
     * @return the router's decision over this node's and the members' capabilities
     */
    RouteDecision decide(RouteQuery query);

    /**
     * @param nodeId a member
     * @param type an agent type it offers
     * @param intent what to do
     * @param argsJson extra arguments
     * @param caller who is asking; the member judges the intent by this caller's grants and this node's
     * @return its answer as JSON text
     */
    String invokeRemote(String nodeId, String type, String intent, String argsJson, Caller caller);

    /**
     * @param type event type
     * @param data its data, never secrets
     */
    void publish(String type, Map<String, Object> data);
}
