package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.agents.Workbench;
import farm.llama.atmosphere.runtime.discovery.DiscoveryService;
import farm.llama.atmosphere.runtime.mesh.MeshService;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.tool.ToolAccess;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** What the agent service uses of this node: tools and chat models reachable here or on members, members' agents, events. */
final class AgentWorkbench implements Workbench {

    private final RouterService router;
    private final DiscoveryService discovery;
    private final MeshService mesh;
    private final ToolAccess tools;
    private final ToolRouter toolRouter;
    private final Consumer<NodeEvent> events;

    /**
     * @param router the router
     * @param discovery this node's backends
     * @param mesh the mesh
     * @param tools the tools here and on members
     * @param toolRouter finds members' agents
     * @param events the node's event stream
     */
    AgentWorkbench(RouterService router, DiscoveryService discovery, MeshService mesh, ToolAccess tools,
                   ToolRouter toolRouter, Consumer<NodeEvent> events) {
        this.router = router;
        this.discovery = discovery;
        this.mesh = mesh;
        this.tools = tools;
        this.toolRouter = toolRouter;
        this.events = events;
    }

    @Override
    public boolean offers(String tool) {
        return tools.find(tool).isPresent();
    }

    @Override
    public boolean canChat() {
        Predicate<Capability> chat = c -> RouterService.CHAT_TYPES.contains(c.type());
        return discovery.capabilities().stream().anyMatch(chat)
                || mesh.remoteBackends().stream().flatMap(b -> b.capabilities().stream()).anyMatch(chat);
    }

    @Override
    public List<Capability> remoteAgents() {
        return toolRouter.remoteOf("agent");
    }

    @Override
    public RouteDecision decide(RouteQuery query) {
        return router.decide(query);
    }

    @Override
    public String invokeRemote(String nodeId, String type, String intent, String argsJson, Caller caller) {
        return mesh.calls().invokeAgent(nodeId, type, intent, argsJson, caller);
    }

    @Override
    public void publish(String type, Map<String, Object> data) {
        events.accept(new NodeEvent(type, Instant.now(), data));
    }
}
