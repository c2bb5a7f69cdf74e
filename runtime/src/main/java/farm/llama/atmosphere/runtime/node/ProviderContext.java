package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.ConfigView;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.NodeStatus;
import farm.llama.atmosphere.spi.RoutingService;
import farm.llama.atmosphere.spi.agent.AgentDispatch;
import farm.llama.atmosphere.spi.tool.ToolAccess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The {@link NodeContext} one provider gets. */
public final class ProviderContext implements NodeContext {

    private final Identity identity;
    private final String nodeName;
    private final Path dataDir;
    private final ConfigView config;
    private final Clock clock;
    private final Consumer<NodeEvent> events;
    private final Supplier<NodeStatus> status;
    private final RoutingService routing;
    private final Triggering triggers;
    private final DeferredWork work;

    /** Where a provider's triggers go. */
    public interface Triggering {
        Map<String, Object> fire(String capability, String event, Map<String, Object> payload);
    }

    public ProviderContext(Identity identity, String nodeName, Path dataDir, ConfigView config, Clock clock,
                    Consumer<NodeEvent> events, Supplier<NodeStatus> status, RoutingService routing, Triggering triggers,
                    DeferredWork work) {
        this.triggers = triggers;
        this.work = work;
        this.identity = identity;
        this.nodeName = nodeName;
        this.dataDir = dataDir;
        this.config = config;
        this.clock = clock;
        this.events = events;
        this.status = status;
        this.routing = routing;
    }

    @Override
    public String nodeId() {
        return identity.nodeId();
    }

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public String version() {
        return Atmosphere.version();
    }

    @Override
    public Path dataDir() {
        try {
            return AtomicFiles.createPrivateDirectories(dataDir);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot create plugin data folder " + dataDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ConfigView config() {
        return config;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public void publishEvent(NodeEvent event) {
        events.accept(event);
    }

    @Override
    public NodeStatus status() {
        return status.get();
    }

    @Override
    public RoutingService routing() {
        return routing;
    }

    @Override
    public ToolAccess tools() {
        return work;
    }

    @Override
    public AgentDispatch agents() {
        return work;
    }

    @Override
    public Map<String, Object> fireTrigger(String capability, String event, Map<String, Object> payload) {
        return triggers.fire(capability, event, payload);
    }
}
