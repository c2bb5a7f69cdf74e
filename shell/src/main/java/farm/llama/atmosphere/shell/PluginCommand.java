package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.api.PluginReport;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere plugin list|enable|disable|reload}. */
@Command(name = "plugin", mixinStandardHelpOptions = true,
        description = "List, enable, disable and reload plugins (live when a node is serving).",
        subcommandsRepeatable = false)
final class PluginCommand {

    @ParentCommand
    RootCommand root;

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Show each plugin: id, version, state, source folder, the providers it contributes, and why it failed.")
    int list(@Mixin JsonOption json) {
        List<PluginReport> plugins = root.session.api().plugins();
        if (json.on()) {
            Output.json(root.session.out, Map.of("plugins", plugins));
            return 0;
        }
        print(plugins);
        return 0;
    }

    private void print(List<PluginReport> plugins) {
        var out = root.session.out;
        if (plugins.isEmpty()) {
            out.println("No plugins. Drop plugin jars or zips into " + root.session.dataDir().pluginsDir());
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (PluginReport p : plugins) {
            rows.add(List.of(p.id(), p.version(), p.state(), p.source(),
                    p.providers().isEmpty() ? "-" : String.join(", ", p.providers())));
        }
        Output.table(out, List.of("ID", "VERSION", "STATE", "SOURCE", "PROVIDERS"), rows);
        for (PluginReport p : plugins) {
            p.error().ifPresent(e -> out.println("  " + p.id() + ": " + e));
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a plugin, now and at every start.")
    int enable(@Parameters(paramLabel = "ID", description = "Plugin id.") String id,
               @Mixin JsonOption json) {
        PluginReport r = root.session.api().enablePlugin(id);
        return one(r, json.on(), "Enabled");
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable a plugin, now and at every start.")
    int disable(@Parameters(paramLabel = "ID", description = "Plugin id.") String id,
                @Mixin JsonOption json) {
        PluginReport r = root.session.api().disablePlugin(id);
        return one(r, json.on(), "Disabled");
    }

    private int one(PluginReport r, boolean json, String verb) {
        if (json) {
            Output.json(root.session.out, r);
        } else {
            root.session.out.println(verb + " plugin " + r.id() + " (now " + r.state() + ")"
                    + (root.session.remote().isPresent() ? "" : "; takes effect when the node starts"));
            r.error().ifPresent(e -> root.session.out.println("  " + e));
        }
        return r.error().isPresent() ? 1 : 0;
    }

    @Command(name = "reload", mixinStandardHelpOptions = true,
            description = "Reload one plugin, or all (picking up new ones), in the serving node without restarting it.")
    int reload(@Parameters(paramLabel = "ID", arity = "0..1", description = "Plugin id (default: all).") String id,
               @Mixin JsonOption json) {
        if (root.session.remote().isEmpty()) {
            throw new AtmosphereException("No node is serving " + root.session.dataDir().path()
                    + "; plugins are read when it starts. Start it with 'atmosphere serve'.");
        }
        List<PluginReport> plugins = root.session.api().reloadPlugins(Optional.ofNullable(id));
        if (json.on()) {
            Output.json(root.session.out, Map.of("plugins", plugins));
        } else {
            root.session.out.println("Reloaded " + (id == null ? "all plugins" : "plugin " + id));
            print(plugins);
        }
        return 0;
    }
}
