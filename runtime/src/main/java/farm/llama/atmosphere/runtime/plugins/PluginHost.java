package farm.llama.atmosphere.runtime.plugins;

import farm.llama.atmosphere.runtime.api.PluginReport;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.Provider;
import farm.llama.atmosphere.spi.agent.AgentTypeProvider;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;
import farm.llama.atmosphere.spi.routing.RouterProvider;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import farm.llama.atmosphere.spi.transport.TransportProvider;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.ZipException;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * Loads drop-in plugins with PF4J from the image's {@code plugins/} folder and the data dir's
 * {@code plugins/}, and finds providers both inside them (through their {@code META-INF/services}
 * files, with PF4J's service-provider extension finder) and on the module path (plain
 * {@link ServiceLoader}).
 *
 * <p>A plugin that cannot be loaded — a corrupt jar, a {@code Plugin-Requires} this version does
 * not meet, a provider that throws — is reported with a one-line reason and skipped; the others
 * load. Thread-safe: every public method is synchronized.
 */
public final class PluginHost implements AutoCloseable {

    /** Format of {@code plugin-state/plugins.json} (which plugins the owner disabled). */
    public static final int STATE_FORMAT = PluginStateStore.FORMAT;

    /** The SPI families, each with the short name used in reports ({@code tool:core}). */
    public static final Map<Class<? extends Provider>, String> FAMILIES = familyNames();

    private static final System.Logger LOG = System.getLogger(PluginHost.class.getName());
    /** Held so the level we set on PF4J's logger is not lost to garbage collection. */
    private static final Logger PF4J_LOGGER = Logger.getLogger("org.pf4j");

    /** Receives failures that happen before PF4J knows a plugin id. */
    interface FailureSink {
        void failed(Path path, String reason);
    }

    /**
     * A provider and where it came from.
     *
     * @param provider the instance
     * @param origin the plugin id, or {@code builtin} for the module path
     * @param <T> its family
     */
    public record Found<T extends Provider>(T provider, String origin) {
    }

    private final Optional<Path> imageRoot;
    private final Path userRoot;
    private final String version;
    private final boolean enabled;
    private final Map<Path, String> pathFailures = new LinkedHashMap<>();
    private final Map<String, List<String>> pluginErrors = new LinkedHashMap<>();
    private final Map<String, List<Found<? extends Provider>>> providersByPlugin = new LinkedHashMap<>();
    private final PluginManager manager;

    /**
     * @param imageRoot the image's {@code plugins/} folder (may be read-only), if running from an image
     * @param userRoot the data dir's {@code plugins/} folder
     * @param stateDir where plugin state and unpacked zips go (writable)
     * @param version the runtime version, checked against each plugin's {@code Plugin-Requires}
     * @param enabled whether to load drop-in plugins at all ({@code plugins.enabled})
     */
    public PluginHost(Optional<Path> imageRoot, Path userRoot, Path stateDir, String version, boolean enabled) {
        this.imageRoot = imageRoot.map(p -> p.toAbsolutePath().normalize());
        this.userRoot = userRoot.toAbsolutePath().normalize();
        this.version = version;
        this.enabled = enabled;
        if (!System.getLogger("org.pf4j").isLoggable(System.Logger.Level.DEBUG)) {
            // PF4J logs each failure with a stack trace; we report one line per plugin instead.
            PF4J_LOGGER.setLevel(Level.OFF);
        }
        List<Path> roots = new ArrayList<>();
        this.imageRoot.ifPresent(roots::add);
        roots.add(this.userRoot);
        this.manager = new PluginManager(roots, stateDir, (path, reason) -> pathFailures.put(path, reason));
        this.manager.setSystemVersion(version);
    }

    /** Loads and starts every plugin in the folders. */
    public synchronized void start() {
        if (!enabled) {
            LOG.log(System.Logger.Level.INFO, "Plugins are disabled by config (plugins.enabled: false)");
            return;
        }
        long t0 = System.nanoTime();
        for (Path path : manager.repository().getPluginPaths()) {
            if (manager.getPlugins().stream().anyMatch(w -> w.getPluginPath().equals(path))) {
                continue;
            }
            try {
                manager.loadPlugin(path);
            } catch (RuntimeException | LinkageError e) {
                pathFailures.put(path, oneLine(e));
            }
        }
        pathFailures.putAll(manager.dropUnresolvable());
        for (PluginWrapper plugin : manager.getPlugins()) {
            String requires = plugin.getDescriptor().getRequires();
            if (isAny(requires)) {
                continue;
            }
            String refused;
            try {
                refused = manager.getVersionManager().checkVersionConstraint(version, requires)
                        ? null : "requires Atmosphere " + requires + ", this is " + version;
            } catch (RuntimeException e) { // PF4J's expression parser throws unchecked errors on garbage
                refused = "its Plugin-Requires '" + requires + "' is not a version range (write one like >=0.1.0): " + oneLine(e);
            }
            if (refused != null) {
                pluginErrors.computeIfAbsent(plugin.getPluginId(), k -> new ArrayList<>()).add(refused);
            }
        }
        manager.startPlugins();
        for (PluginWrapper plugin : manager.getPlugins()) {
            if (plugin.getPluginState() == PluginState.STARTED) {
                discover(plugin);
            } else if (plugin.getPluginState() == PluginState.FAILED && plugin.getFailedException() != null) {
                pluginErrors.computeIfAbsent(plugin.getPluginId(), k -> new ArrayList<>())
                        .add("failed to start: " + oneLine(plugin.getFailedException()));
            }
        }
        pathFailures.forEach((path, reason) ->
                LOG.log(System.Logger.Level.WARNING, () -> "Plugin " + path.getFileName() + " skipped: " + reason));
        pluginErrors.forEach((id, reasons) ->
                LOG.log(System.Logger.Level.WARNING, () -> "Plugin " + id + " skipped: " + String.join("; ", reasons)));
        LOG.log(System.Logger.Level.INFO, () -> "Plugins: " + manager.getStartedPlugins().size() + " started, "
                + (pathFailures.size() + pluginErrors.size()) + " failed, in "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    private static boolean isAny(String requires) {
        return requires == null || requires.isBlank() || requires.equals("*");
    }

    /** Instantiates the providers a started plugin declares, recording failures against it. */
    private void discover(PluginWrapper plugin) {
        String id = plugin.getPluginId();
        List<Found<? extends Provider>> found = new ArrayList<>();
        for (Class<? extends Provider> family : FAMILIES.keySet()) {
            List<? extends Class<? extends Provider>> classes;
            try {
                classes = manager.getExtensionClasses(family, id);
            } catch (RuntimeException | LinkageError e) {
                pluginErrors.computeIfAbsent(id, k -> new ArrayList<>()).add("cannot read its providers: " + oneLine(e));
                continue;
            }
            for (Class<? extends Provider> cls : classes) {
                try {
                    Provider p = cls.getDeclaredConstructor().newInstance();
                    p.type();
                    p.weight();
                    found.add(new Found<>(p, id));
                } catch (InvocationTargetException e) {
                    pluginErrors.computeIfAbsent(id, k -> new ArrayList<>())
                            .add("provider " + cls.getName() + " threw " + oneLine(e.getCause()));
                } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                    pluginErrors.computeIfAbsent(id, k -> new ArrayList<>())
                            .add("provider " + cls.getName() + " cannot be created: " + oneLine(e));
                }
            }
        }
        providersByPlugin.put(id, found);
    }

    /**
     * Providers of one family from the module path and from healthy plugins, highest weight first.
     *
     * @param family the provider interface
     * @param <T> the family
     * @return the providers
     */
    public synchronized <T extends Provider> List<Found<T>> providers(Class<T> family) {
        List<Found<T>> out = new ArrayList<>();
        ServiceLoader<T> loader = ServiceLoader.load(family, PluginHost.class.getClassLoader());
        var iterator = loader.stream().iterator();
        while (true) {
            try {
                if (!iterator.hasNext()) {
                    break;
                }
                out.add(new Found<>(iterator.next().get(), "builtin"));
            } catch (ServiceConfigurationError e) {
                LOG.log(System.Logger.Level.WARNING, () -> "Built-in " + family.getSimpleName() + " skipped: " + oneLine(e));
            }
        }
        for (Map.Entry<String, List<Found<? extends Provider>>> entry : providersByPlugin.entrySet()) {
            PluginWrapper plugin = manager.getPlugin(entry.getKey());
            if (plugin == null || plugin.getPluginState() != PluginState.STARTED || pluginErrors.containsKey(entry.getKey())) {
                continue;
            }
            for (Found<? extends Provider> f : entry.getValue()) {
                if (family.isInstance(f.provider())) {
                    out.add(new Found<>(family.cast(f.provider()), f.origin()));
                }
            }
        }
        out.sort(Comparator.comparingInt((Found<T> f) -> f.provider().weight()).reversed());
        // one provider per type: the highest weight wins (the same plugin may also sit on the module path)
        Set<String> seen = new HashSet<>();
        out.removeIf(f -> !seen.add(f.provider().type()));
        return out;
    }

    /**
     * Marks a plugin failed because one of its providers failed when the node used it.
     *
     * @param pluginId the plugin ({@code builtin} is only logged)
     * @param reason one line
     */
    public synchronized void providerFailed(String pluginId, String reason) {
        LOG.log(System.Logger.Level.WARNING, () -> "Plugin " + pluginId + " skipped: " + reason);
        if (!"builtin".equals(pluginId)) {
            pluginErrors.computeIfAbsent(pluginId, k -> new ArrayList<>()).add(reason);
        }
    }

    /** @return a report for every plugin found, including those that failed to load */
    public synchronized List<PluginReport> report() {
        List<PluginReport> out = new ArrayList<>();
        for (PluginWrapper plugin : manager.getPlugins()) {
            out.add(reportOf(plugin));
        }
        pathFailures.forEach((path, reason) -> out.add(new PluginReport(path.getFileName().toString(), "", "",
                "failed", sourceOf(path), path.toString(), "", List.of(), Optional.of(reason))));
        out.sort(Comparator.comparing(PluginReport::id));
        return out;
    }

    private PluginReport reportOf(PluginWrapper plugin) {
        String id = plugin.getPluginId();
        List<String> errors = pluginErrors.getOrDefault(id, List.of());
        String state = errors.isEmpty() ? plugin.getPluginState().toString().toLowerCase(Locale.ROOT) : "failed";
        List<String> providers = providersByPlugin.getOrDefault(id, List.of()).stream()
                .map(f -> familyOf(f.provider()) + ":" + f.provider().type())
                .toList();
        var d = plugin.getDescriptor();
        return new PluginReport(id, nullToEmpty(d.getVersion()), nullToEmpty(d.getPluginDescription()), state,
                sourceOf(plugin.getPluginPath()), plugin.getPluginPath().toString(),
                isAny(d.getRequires()) ? "*" : d.getRequires(), providers,
                errors.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", errors)));
    }

    private static String familyOf(Provider p) {
        return FAMILIES.entrySet().stream().filter(e -> e.getKey().isInstance(p)).map(Map.Entry::getValue)
                .findFirst().orElse("unknown");
    }

    private String sourceOf(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        if (imageRoot.isPresent() && abs.startsWith(imageRoot.get())) {
            return "image";
        }
        return "user";
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private PluginWrapper require(String id) {
        PluginWrapper plugin = manager.getPlugin(id);
        if (plugin == null) {
            throw new AtmosphereException("No plugin with id '" + id + "'. 'atmosphere plugin list' shows the ids.");
        }
        return plugin;
    }

    /**
     * Disables a plugin now and at every later start.
     *
     * @param id the plugin id
     * @return its report
     */
    public synchronized PluginReport disable(String id) {
        PluginWrapper plugin = require(id);
        if (plugin.getPluginState() == PluginState.STARTED) {
            manager.disablePlugin(id);
        } else {
            manager.statusStore().disablePlugin(id);
            plugin.setPluginState(PluginState.DISABLED);
        }
        providersByPlugin.remove(id);
        return reportOf(plugin);
    }

    /**
     * Enables a plugin now and at every later start.
     *
     * @param id the plugin id
     * @return its report
     */
    public synchronized PluginReport enable(String id) {
        PluginWrapper plugin = require(id);
        manager.statusStore().enablePlugin(id);
        if (plugin.getPluginState() == PluginState.DISABLED) {
            if (!manager.enablePlugin(id)) {
                throw new AtmosphereException("Plugin '" + id + "' cannot be enabled: "
                        + String.join("; ", pluginErrors.getOrDefault(id, List.of("it is not valid for this version"))));
            }
            startOne(plugin);
        }
        return reportOf(manager.getPlugin(id));
    }

    private void startOne(PluginWrapper plugin) {
        PluginState state = manager.startPlugin(plugin.getPluginId());
        if (state == PluginState.STARTED) {
            discover(plugin);
        } else if (plugin.getFailedException() != null) {
            pluginErrors.computeIfAbsent(plugin.getPluginId(), k -> new ArrayList<>())
                    .add("failed to start: " + oneLine(plugin.getFailedException()));
        }
    }

    /**
     * Reloads one plugin from its folder, or all of them (picking up plugins dropped in since),
     * without restarting the node.
     *
     * @param id the plugin, or empty for all
     */
    public synchronized void reload(Optional<String> id) {
        if (id.isPresent()) {
            PluginWrapper plugin = require(id.get());
            Path path = plugin.getPluginPath();
            manager.unloadPlugin(id.get());
            pluginErrors.remove(id.get());
            providersByPlugin.remove(id.get());
            try {
                String loaded = manager.loadPlugin(path);
                PluginWrapper fresh = manager.getPlugin(loaded);
                if (fresh.getPluginState() != PluginState.DISABLED) {
                    startOne(fresh);
                }
            } catch (RuntimeException | LinkageError e) {
                pathFailures.put(path, oneLine(e));
            }
            pathFailures.putAll(manager.dropUnresolvable());
            return;
        }
        manager.unloadPlugins();
        pathFailures.clear();
        pluginErrors.clear();
        providersByPlugin.clear();
        start();
    }

    @Override
    public synchronized void close() {
        providersByPlugin.clear();
        // unloadPlugins, not stopPlugins: PF4J 3.15 stopPlugins throws ConcurrentModificationException (pf4j#656).
        manager.unloadPlugins();
    }

    /**
     * @param t a failure
     * @return one line that says what went wrong, without a stack trace
     */
    public static String oneLine(Throwable t) {
        Throwable root = t;
        StringBuilder sb = new StringBuilder();
        while (root != null) {
            String msg = root.getMessage();
            String part = msg == null || msg.isBlank() ? root.getClass().getSimpleName() : msg;
            if (root instanceof LinkageError || root instanceof ZipException
                    || root.getClass() == RuntimeException.class && msg == null) {
                part = root.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
            }
            if (sb.indexOf(part) < 0) {
                if (!sb.isEmpty()) {
                    sb.append(": ");
                }
                sb.append(part);
            }
            root = root.getCause() == root ? null : root.getCause();
        }
        return sb.toString().replaceAll("\\s+", " ").trim();
    }

    private static Map<Class<? extends Provider>, String> familyNames() {
        Map<Class<? extends Provider>, String> m = new LinkedHashMap<>();
        m.put(DiscoveryProvider.class, "discovery");
        m.put(EmbedderProvider.class, "embedder");
        m.put(RouterProvider.class, "router");
        m.put(TransportProvider.class, "transport");
        m.put(AgentTypeProvider.class, "agent");
        m.put(ToolProvider.class, "tool");
        return Collections.unmodifiableMap(m);
    }
}
