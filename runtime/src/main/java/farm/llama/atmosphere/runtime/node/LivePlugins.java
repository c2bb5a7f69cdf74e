package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.api.PluginReport;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.tools.ToolGrants;
import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.routing.Embedder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the node takes from plugins that can change while it runs: the tools and the embedder.
 * Enabling, disabling or reloading a plugin rebuilds both from the plugins now in effect, swaps
 * them in (the router's embedder too) and closes the old ones.
 */
public final class LivePlugins implements AutoCloseable {

    private final PluginHost plugins;
    private final ProviderWiring wiring;
    private final ToolGrants grants;
    private final Consumer<NodeEvent> events;
    private volatile ToolRegistry tools;
    private volatile Embedder embedder;
    private volatile RouterService router;

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
        this.embedder = wiring.embedder();
    }

    /** @param router the router whose embedder follows plugin changes */
    public void router(RouterService router) {
        this.router = router;
    }

    /** @return the tools in effect */
    public ToolRegistry tools() {
        return tools;
    }

    /** @return the embedder in effect */
    public Embedder embedder() {
        return embedder;
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
        // the embedder may come from a plugin that was just reloaded, enabled or disabled
        Embedder fresh = wiring.embedder();
        RouterService r = router;
        Embedder previous = r == null ? embedder : r.swapEmbedder(fresh);
        embedder = fresh;
        if (previous != fresh) {
            previous.close();
        }
        events.accept(new NodeEvent(event, Instant.now(), Map.of("plugin", id)));
    }

    /** Closes the tools and the embedder in effect. */
    @Override
    public synchronized void close() {
        embedder.close();
        tools.close();
    }
}
