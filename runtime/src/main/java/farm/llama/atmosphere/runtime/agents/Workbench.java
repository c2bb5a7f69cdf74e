package farm.llama.atmosphere.runtime.agents;

import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.util.List;
import java.util.Map;

/** What the node's agent service uses of the node: tools and chat models reachable, members' agents, routing and events. */
public interface Workbench {

    /**
     * @param tool a tool name
     * @return whether this node (enabled) or a live member offers it
     */
    boolean offers(String tool);

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
