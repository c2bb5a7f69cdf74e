package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.agents.AgentService;
import farm.llama.atmosphere.runtime.api.AgentAnswer;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.agent.AgentDispatch;
import farm.llama.atmosphere.spi.agent.AgentReply;
import farm.llama.atmosphere.spi.tool.ToolAccess;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tools and agents as providers see them through their context. Providers are created
 * before the tool router and the agent service exist (those need the providers' tools and agent
 * types), so calls go through this indirection; before the node finished starting they fail clearly.
 */
public final class DeferredWork implements ToolAccess, AgentDispatch {

    private volatile ToolAccess tools;
    private volatile AgentService agents;

    /**
     * @param tools the tools here and on members, once they exist
     * @param agents the agent service, once it exists
     */
    void target(ToolAccess tools, AgentService agents) {
        this.tools = tools;
        this.agents = agents;
    }

    private static <T> T ready(T t, String what) {
        if (t == null) {
            throw new CallFailedException(FailureKind.OVERLOADED, "the node is still starting; " + what + " are not ready yet");
        }
        return t;
    }

    @Override
    public Optional<ToolSpec> find(String name) {
        ToolAccess t = tools;
        return t == null ? Optional.empty() : t.find(name);
    }

    @Override
    public ToolResult run(String name, String argumentsJson, Caller caller) {
        return ready(tools, "tools").run(name, argumentsJson, caller);
    }

    @Override
    public ToolResult runOn(String member, String name, String argumentsJson, Caller caller) {
        return ready(tools, "tools").runOn(member, name, argumentsJson, caller);
    }

    @Override
    public AgentReply dispatch(String intent, String hint, Map<String, Object> args, Caller caller, Set<String> excluded) {
        AgentAnswer answer = ready(agents, "agents").dispatch(intent, hint, args, caller, excluded);
        return new AgentReply(answer.text(), Json.write(answer), answer.steps());
    }
}
