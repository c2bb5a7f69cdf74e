package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.api.PluginReport;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.routing.RoutingEngine;
import farm.llama.atmosphere.runtime.tools.ToolGrants;
import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.Router;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the node takes from plugins that can change while it runs: the tools, the router and the
 * embedder. Enabling, disabling or reloading a plugin rebuilds them from the plugins now in
 * effect, swaps them in and closes the old ones.
 */
public final class LivePlugins implements AutoCloseable {

    private final PluginHost plugins;
    private final ProviderWiring wiring;
    private final ToolGrants grants;
    private final Consumer<NodeEvent> events;
    private volatile ToolRegistry tools;
    private volatile RoutingEngine engine;
    private volatile RouterService router;
    private volatile Runnable onChange = () -> { };

    /**
     * @param plugins the plugins
     * @param wiring makes tools and embedders
     * @param grants what each caller may do with tools
     * @param events where {@code plugin.*} go
     */
    public LivePlugins(PluginHost plugins, ProviderWiring wiring, ToolGrants grants, Consumer<NodeEvent> events) {
        this.plugins = plugins;
        this.wiring = wiring;
        this.grants = grants;
        this.events = events;
        this.tools = wiring.tools(grants);
        this.engine = RoutingEngine.of(wiring.router(), wiring.embedder());
    }

    /** @param router the router service whose router and embedder follow plugin changes */
    public void router(RouterService router) {
        this.router = router;
    }

    /** @param onChange told after every change of plugins (agent types follow them) */
    public void onChange(Runnable onChange) {
        this.onChange = onChange;
    }

    /** @return the tools in effect */
    public ToolRegistry tools() {
        return tools;
    }

    /** @return the router and embedder in effect */
    public RoutingEngine engine() {
        return engine;
    }

    /** @return every plugin, its state and providers */
    public List<PluginReport> report() {
        return plugins.report();
    }

    /**
     * @param id a plugin
     * @return it, enabled
     */
    public PluginReport enable(String id) {
        PluginReport r = plugins.enable(id);
        changed("plugin.enabled", id);
        return r;
    }

    /**
     * @param id a plugin
     * @return it, disabled
     */
    public PluginReport disable(String id) {
        PluginReport r = plugins.disable(id);
        changed("plugin.disabled", id);
        return r;
    }

    /**
     * @param id a plugin, or every plugin
     * @return every plugin after the reload
     */
    public List<PluginReport> reload(Optional<String> id) {
        plugins.reload(id);
        changed("plugin.reloaded", id.orElse("*"));
        return plugins.report();
    }

    private synchronized void changed(String event, String id) {
        ToolRegistry old = tools;
        tools = wiring.tools(grants);
        old.close();
        // the router and embedder may come from a plugin that was just reloaded, enabled or disabled
        RoutingEngine fresh = RoutingEngine.of(wiring.router(), wiring.embedder());
        RouterService r = router;
        RoutingEngine previous = r == null ? engine : r.swap(fresh);
        engine = fresh;
        close(previous);
        try {
            onChange.run();
        } catch (RuntimeException e) {
            System.getLogger(LivePlugins.class.getName()).log(System.Logger.Level.WARNING, () -> "After " + event + " " + id + ": " + e.getMessage());
        }
        events.accept(new NodeEvent(event, Instant.now(), Map.of("plugin", id)));
    }

    /** Closes the tools, router and embedder in effect. */
    @Override
    public synchronized void close() {
        close(engine);
        tools.close();
    }

    private static void close(RoutingEngine e) {
        e.router().ifPresent(Router::close);
        e.embedder().ifPresent(Embedder::close);
    }
}
