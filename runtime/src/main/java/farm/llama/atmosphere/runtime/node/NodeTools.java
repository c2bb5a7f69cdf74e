package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.tool.ToolAccess;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The tools as plugins reach them ({@link farm.llama.atmosphere.spi.NodeContext#tools()}): this
 * node's enabled ones, else those live members publish; run through the {@link ToolRouter}, so a
 * call is judged by its caller's grants here and on the member.
 */
final class NodeTools implements ToolAccess {

    /** How long a member's tool may take, as far as this node knows (the member enforces its own limit). */
    private static final Duration REMOTE_TIMEOUT = Duration.ofMinutes(5);

    private final Supplier<ToolRegistry> tools;
    private final ToolRouter router;

    NodeTools(Supplier<ToolRegistry> tools, ToolRouter router) {
        this.tools = tools;
        this.router = router;
    }

    @Override
    public Optional<ToolSpec> find(String name) {
        Optional<ToolSpec> local = tools.get().spec(name);
        if (local.isPresent()) {
            return local;
        }
        List<Capability> remote = router.remoteOf("tool");
        return remote.stream().filter(c -> c.name().equals(name)).findFirst().map(c -> new ToolSpec(name, c.description(), "remote",
                c.metadata().getOrDefault("parameters", "{\"type\":\"object\"}"), List.of(), REMOTE_TIMEOUT, false));
    }

    @Override
    public ToolResult run(String name, String argumentsJson, Caller caller) {
        return new ToolResult(router.run(name, argumentsJson, caller));
    }

    @Override
    public ToolResult runOn(String member, String name, String argumentsJson, Caller caller) {
        return new ToolResult(router.runOn(member, name, argumentsJson, caller));
    }
}
