package farm.llama.atmosphere.runtime.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.agents.Workbench;
import farm.llama.atmosphere.runtime.api.ToolReport;
import farm.llama.atmosphere.runtime.discovery.DiscoveryService;
import farm.llama.atmosphere.runtime.mesh.MeshService;
import farm.llama.atmosphere.runtime.routing.ChatCall;
import farm.llama.atmosphere.runtime.routing.ChatCompletions;
import farm.llama.atmosphere.runtime.routing.ChatRequests;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.tools.Caller;
import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** What agents use of this node: chats through the router, tools here or on members, members' agents, events. */
public final class AgentWorkbench implements Workbench {

    private final RouterService router;
    private final DiscoveryService discovery;
    private final MeshService mesh;
    private final Supplier<ToolRegistry> tools;
    private final ToolRouter toolRouter;
    private final Runnable ensureScanned;
    private final Consumer<NodeEvent> events;

    /**
     * @param router the router
     * @param discovery this node's backends
     * @param mesh the mesh
     * @param tools this node's tools (rebuilt when plugins change)
     * @param toolRouter runs tools here or on members
     * @param ensureScanned scans the backends once, if nobody has yet
     * @param events the node's event stream
     */
    public AgentWorkbench(RouterService router, DiscoveryService discovery, MeshService mesh, Supplier<ToolRegistry> tools,
                          ToolRouter toolRouter, Runnable ensureScanned, Consumer<NodeEvent> events) {
        this.router = router;
        this.discovery = discovery;
        this.mesh = mesh;
        this.tools = tools;
        this.toolRouter = toolRouter;
        this.ensureScanned = ensureScanned;
        this.events = events;
    }

    @Override
    public ObjectNode complete(ObjectNode body) {
        ensureScanned.run();
        String json = body.toString();
        String model = body.path("model").asText("auto");
        RouteQuery query = ChatRequests.query(model, json);
        try (ChatCall call = router.startChat(new ChatRequest(model, json, router.firstByteTimeout()), query)) {
            return ChatCompletions.aggregate(call, false);
        }
    }

    @Override
    public Optional<ObjectNode> toolDefinition(String toolName) {
        Optional<ToolReport> local = tools.get().find(toolName).filter(ToolReport::enabled);
        JsonNode parameters;
        String description;
        if (local.isPresent()) {
            parameters = Json.parse(local.get().parameters().json());
            description = local.get().description();
        } else {
            Optional<Capability> remote = toolRouter.remoteOf("tool").stream().filter(c -> c.name().equals(toolName)).findFirst();
            if (remote.isEmpty()) {
                return Optional.empty();
            }
            parameters = Json.parse(remote.get().metadata().getOrDefault("parameters", "{\"type\":\"object\"}"));
            description = remote.get().description();
        }
        ObjectNode def = Json.MAPPER.createObjectNode();
        def.put("type", "function");
        ObjectNode fn = def.putObject("function");
        fn.put("name", toolName);
        fn.put("description", description);
        fn.set("parameters", parameters);
        return Optional.of(def);
    }

    @Override
    public String runTool(String toolName, String argumentsJson, Caller caller) {
        return toolRouter.run(toolName, argumentsJson, caller);
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
