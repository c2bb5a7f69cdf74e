package farm.llama.atmosphere.runtime.plugins;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pf4j.CompoundPluginDescriptorFinder;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.DependencyResolver;
import org.pf4j.ExtensionFinder;
import org.pf4j.JarPluginLoader;
import org.pf4j.ManifestPluginDescriptorFinder;
import org.pf4j.PluginDependency;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginDescriptorFinder;
import org.pf4j.PluginLoader;
import org.pf4j.PluginRepository;
import org.pf4j.PluginStatusProvider;
import org.pf4j.PluginWrapper;
import org.pf4j.PropertiesPluginDescriptorFinder;
import org.pf4j.ServiceProviderExtensionFinder;

/**
 * PF4J configured for Atmosphere: our folders, our state file, META-INF/services; a plugin whose
 * plugin dependencies cannot be met is dropped with its reason, not kept to break every later unload.
 */
final class PluginManager extends DefaultPluginManager {

    private final Path stateDir;
    private final PluginHost.FailureSink failures;
    private PluginStateStore store;
    private PluginFolders folders;

    PluginManager(List<Path> roots, Path stateDir, PluginHost.FailureSink failures) {
        this.stateDir = stateDir;
        this.failures = failures;
        super(roots);
    }

    @Override
    protected PluginRepository createPluginRepository() {
        folders = new PluginFolders(getPluginsRoots(), stateDir, failures);
        return folders;
    }

    PluginRepository repository() {
        return folders;
    }

    @Override
    protected PluginStatusProvider createPluginStatusProvider() {
        store = new PluginStateStore(stateDir);
        return store;
    }

    PluginStateStore statusStore() {
        return store;
    }

    @Override
    protected ExtensionFinder createExtensionFinder() {
        ServiceProviderExtensionFinder finder = new ServiceProviderExtensionFinder(this);
        addPluginStateListener(finder);
        return finder;
    }

    @Override
    protected PluginDescriptorFinder createPluginDescriptorFinder() {
        return new CompoundPluginDescriptorFinder()
                .add(new PropertiesPluginDescriptorFinder())
                .add(new ManifestPluginDescriptorFinder());
    }

    @Override
    protected PluginLoader createPluginLoader() {
        return new CompoundPluginLoader()
                .add(new DefaultPluginLoader(this))
                .add(new JarPluginLoader(this));
    }

    /**
     * Drops the loaded plugins whose plugin dependencies cannot be met — missing, of another
     * version, or circular — so the others resolve, start and unload. PF4J keeps such a plugin
     * loaded and throws from every later resolution, so one of them would break every unload.
     *
     * @return each dropped plugin's path, and why
     */
    Map<Path, String> dropUnresolvable() {
        Map<Path, String> dropped = new LinkedHashMap<>();
        while (!plugins.isEmpty()) {
            List<PluginDescriptor> descriptors = plugins.values().stream().map(PluginWrapper::getDescriptor).toList();
            DependencyResolver.Result result = dependencyResolver.resolve(descriptors);
            if (result.isOK()) {
                break;
            }
            Map<String, String> now = new LinkedHashMap<>();
            for (String missing : result.getNotFoundDependencies()) {
                for (PluginDescriptor d : descriptors) {
                    if (d.getDependencies().stream().anyMatch(x -> !x.isOptional() && x.getPluginId().equals(missing))) {
                        now.putIfAbsent(d.getPluginId(), "needs plugin '" + missing + "', which is not installed");
                    }
                }
            }
            for (DependencyResolver.WrongDependencyVersion w : result.getWrongVersionDependencies()) {
                now.putIfAbsent(w.getDependentId(), "needs plugin '" + w.getDependencyId() + "' " + w.getRequiredVersion()
                        + ", found " + w.getExistingVersion());
            }
            if (now.isEmpty()) {
                for (String id : onCycles(descriptors)) {
                    now.put(id, "its plugin dependencies form a cycle");
                }
            }
            if (now.isEmpty()) {
                break; // nothing we can name: leave it to PF4J
            }
            now.forEach((id, reason) -> dropped.put(forget(id), reason));
        }
        if (!dropped.isEmpty()) {
            resolvePlugins();
        }
        return dropped;
    }

    private static Set<String> onCycles(List<PluginDescriptor> descriptors) {
        Map<String, List<String>> edges = new LinkedHashMap<>();
        for (PluginDescriptor d : descriptors) {
            edges.put(d.getPluginId(), d.getDependencies().stream().map(PluginDependency::getPluginId).toList());
        }
        Set<String> out = new HashSet<>();
        for (String start : edges.keySet()) {
            List<String> frontier = new ArrayList<>(edges.get(start));
            Set<String> seen = new HashSet<>();
            while (!frontier.isEmpty()) {
                String next = frontier.removeLast();
                if (next.equals(start)) {
                    out.add(start);
                    break;
                }
                if (seen.add(next)) {
                    frontier.addAll(edges.getOrDefault(next, List.of()));
                }
            }
        }
        return out;
    }

    private Path forget(String id) {
        PluginWrapper w = plugins.remove(id);
        unresolvedPlugins.remove(w);
        resolvedPlugins.remove(w);
        startedPlugins.remove(w);
        if (pluginClassLoaders.remove(id) instanceof Closeable loader) {
            try {
                loader.close();
            } catch (IOException e) {
                // its jar stays open until the JVM ends; nothing else depends on it
            }
        }
        return w.getPluginPath();
    }
}
