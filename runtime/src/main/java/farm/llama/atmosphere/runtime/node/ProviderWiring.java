package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.config.Durations;
import farm.llama.atmosphere.runtime.config.PluginSettings;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.tools.ToolGrants;
import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.spi.ConfigView;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.NodeStatus;
import farm.llama.atmosphere.spi.Provider;
import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;
import farm.llama.atmosphere.spi.routing.Router;
import farm.llama.atmosphere.spi.routing.RouterProvider;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Makes what the node takes from plugins: each provider's context (its data folder, its config
 * section, the node's events, status, router and triggers), the tool registry, the embedder, the
 * router and transports — again whenever plugins change.
 */
public final class ProviderWiring implements ProviderSelector.Contexts {

    private static final System.Logger LOG = System.getLogger(ProviderWiring.class.getName());

    private final PluginHost plugins;
    private final NodeConfig config;
    private final DataDir dataDir;
    private final Identity identity;
    private final String name;
    private final Clock clock;
    private final Consumer<NodeEvent> events;
    private final Supplier<NodeStatus> status;
    private final DeferredRouting routing;
    private final ProviderContext.Triggering triggers;
    private final DeferredWork work;
    private final ProviderSelector selector;

    /**
     * @param plugins the plugins
     * @param config the node's configuration
     * @param dataDir the data dir (providers' folders are under {@code plugins-data/})
     * @param identity the node's identity
     * @param name its display name
     * @param clock the clock
     * @param events the node's event stream
     * @param status the node's status, as providers see it
     * @param routing the router, once it exists
     * @param triggers where providers fire triggers
     * @param work the tools and agents, once they exist
     */
    public ProviderWiring(PluginHost plugins, NodeConfig config, DataDir dataDir, Identity identity, String name, Clock clock,
                          Consumer<NodeEvent> events, Supplier<NodeStatus> status, DeferredRouting routing, ProviderContext.Triggering triggers,
                          DeferredWork work) {
        this.plugins = plugins;
        this.config = config;
        this.dataDir = dataDir;
        this.identity = identity;
        this.name = name;
        this.clock = clock;
        this.events = events;
        this.status = status;
        this.routing = routing;
        this.triggers = triggers;
        this.work = work;
        this.selector = new ProviderSelector(plugins, this);
    }

    /**
     * @param section the config section of the family ({@code tools}, {@code discovery}, {@code routing}, ...)
     * @param family the family's short name, for the provider's data folder
     * @param found the provider
     * @return its context
     */
    @Override
    public NodeContext of(String section, String family, PluginHost.Found<? extends Provider> found) {
        String type = found.provider().type();
        ConfigView own = config.view().subtree(section).subtree(type);
        if (!found.provider().settings().isEmpty()) {
            List<String> problems = PluginSettings.problems(section + "." + type, own.asMap(), found.provider().settings(), config::where);
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
        }
        return new ProviderContext(identity, name, dataDir.pluginDataDir().resolve(family).resolve(type),
                own, clock, events, status, routing, triggers, work);
    }

    /**
     * @param grants what each caller may do with tools
     * @return a registry of every tool plugins offer, with {@code tools.*} applied
     * @throws ConfigException if a {@code tools.timeouts} value is not a positive duration
     */
    public ToolRegistry tools(ToolGrants grants) {
        Map<String, Duration> timeouts = new LinkedHashMap<>();
        if (config.view().subtree("tools").asMap().get("timeouts") instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                Duration d = Durations.parse(String.valueOf(e.getValue()))
                        .filter(x -> !x.isNegative() && !x.isZero())
                        .orElseThrow(() -> new ConfigException(List.of("tools.timeouts." + e.getKey()
                                + ": expected a duration such as 500ms, 10s or 2m, got '" + e.getValue() + "'")));
                timeouts.put(String.valueOf(e.getKey()), d);
            }
        }
        ToolRegistry registry = new ToolRegistry(plugins.providers(ToolProvider.class), f -> of("tools", "tool", f), plugins::providerFailed,
                config.view().list("tools.enabled-outside"), config.view().list("tools.disabled"), timeouts);
        registry.grants(grants);
        return registry;
    }

    /** @return the embedder {@code routing.embedder} names, else the first that starts; none when no plugin offers one */
    public Optional<Embedder> embedder() {
        ProviderSelector.Selected<Embedder> s = selector.preferred(EmbedderProvider.class, "embedder", "embedder", "routing.embedder",
                config.view().string("routing.embedder"), EmbedderProvider::create);
        s.chosen().ifPresentOrElse(
                e -> LOG.log(System.Logger.Level.INFO, () -> "Embedder: " + e.id() + " (" + e.dimensions() + " dimensions, from " + s.origin() + ")"),
                () -> LOG.log(System.Logger.Level.WARNING, () -> "No embedder plugin is loaded (router-semantic ships the lexical one):"
                        + " routing by meaning is off"));
        return s.chosen();
    }

    /** @return the router {@code routing.router} names, else the first that starts; none when no plugin offers one */
    public Optional<Router> router() {
        Optional<Router> r = selector.preferred(RouterProvider.class, "router", "routing", "routing.router",
                config.view().string("routing.router"), RouterProvider::create).chosen();
        if (r.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, () -> "No router plugin is loaded (router-semantic is disabled or missing):"
                    + " requests that name a model go to the cheapest backend serving it; model \"auto\" is refused");
        }
        return r;
    }

    /**
     * @param type a transport type ({@code websocket}, {@code relay})
     * @return that transport, if a plugin offers it and it starts
     */
    public Optional<Transport> transport(String type) {
        return selector.first(TransportProvider.class, "transport", "transport", Optional.of(type), TransportProvider::create).chosen();
    }
}
