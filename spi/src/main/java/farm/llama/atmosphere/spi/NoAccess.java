package farm.llama.atmosphere.spi;

import farm.llama.atmosphere.spi.agent.AgentDispatch;
import farm.llama.atmosphere.spi.agent.AgentReply;
import farm.llama.atmosphere.spi.tool.ToolAccess;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** What a {@link NodeContext} that offers no tools and no agents answers (a test's, an old embedder's). */
enum NoAccess implements ToolAccess, AgentDispatch {
    INSTANCE;

    @Override
    public Optional<ToolSpec> find(String name) {
        return Optional.empty();
    }

    @Override
    public ToolResult run(String name, String argumentsJson, Caller caller) {
        throw new CallFailedException(FailureKind.NOT_FOUND, "This node context offers no tools.");
    }

    @Override
    public ToolResult runOn(String member, String name, String argumentsJson, Caller caller) {
        throw new CallFailedException(FailureKind.NOT_FOUND, "This node context offers no tools.");
    }

    @Override
    public AgentReply dispatch(String intent, String hint, Map<String, Object> args, Caller caller, Set<String> excluded) {
        throw new CallFailedException(FailureKind.NOT_FOUND, "This node context offers no agents.");
    }
}
