package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.agents.AgentService;
import farm.llama.atmosphere.runtime.mesh.MeshForwarding;
import farm.llama.atmosphere.runtime.routing.ChatCall;
import farm.llama.atmosphere.runtime.routing.ChatRequests;
import farm.llama.atmosphere.runtime.routing.Locality;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What this node does for a member that forwards work to it: chats and embeddings on this node's
 * own backends only (never forwarded on), its tools, its agent types, and model pulls. Each call
 * carries the member as its caller, so the tool grants decide.
 */
public final class ServingForMembers implements MeshForwarding.LocalServing {

    private final RouterService router;
    private final Supplier<ToolRegistry> tools;
    private final Supplier<AgentService> agents;
    private final ModelDeploys deploys;

    /**
     * @param router the router (used with {@link Locality#LOCAL})
     * @param tools this node's tools (rebuilt when plugins change)
     * @param agents the agent service, once wired
     * @param deploys pulls models here
     */
    public ServingForMembers(RouterService router, Supplier<ToolRegistry> tools, Supplier<AgentService> agents, ModelDeploys deploys) {
        this.router = router;
        this.tools = tools;
        this.agents = agents;
        this.deploys = deploys;
    }

    @Override
    public ChatCall chat(String model, String json, Duration timeout) {
        return router.startChat(new ChatRequest(model, json, timeout), new RouteQuery("", ChatRequests.needs(json), Optional.of(model)),
                Locality.LOCAL, false); // a backend dying mid-answer is the asking member's to carry on: it knows the whole mesh
    }

    @Override
    public String runTool(String toolName, String argumentsJson, Caller caller) {
        return tools.get().run(toolName, argumentsJson, caller);
    }

    @Override
    public void pull(String model, Caller caller, Consumer<String> progress) {
        deploys.pullHere(model, caller, progress);
    }

    @Override
    public Embeddings embed(String model, List<String> input) {
        return router.embedRouted(new EmbedRequest(model, input), Locality.LOCAL).embeddings();
    }

    @Override
    public String invokeAgent(String type, String intent, String argsJson, Caller caller) {
        return Json.write(agents.get().invokeType(type, intent, AgentOperations.object(argsJson, "args"), caller));
    }
}
