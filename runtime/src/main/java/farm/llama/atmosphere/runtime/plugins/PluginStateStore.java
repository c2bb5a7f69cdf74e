package farm.llama.atmosphere.runtime.plugins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.pf4j.PluginStatusProvider;

/**
 * Remembers which plugins the owner disabled, in {@code plugin-state/plugins.json} under the data
 * dir (never in the image folder, which may be read-only). Written atomically.
 */
final class PluginStateStore implements PluginStatusProvider {

    static final int FORMAT = 1;
    private static final System.Logger LOG = System.getLogger(PluginStateStore.class.getName());

    private final Path file;
    private final Set<String> disabled = new TreeSet<>();

    PluginStateStore(Path stateDir) {
        this.file = stateDir.resolve("plugins.json");
        if (Files.exists(file)) {
            try {
                JsonNode json = FileFormat.read(file, FORMAT);
                json.path("disabled").forEach(n -> disabled.add(n.asText()));
            } catch (IOException | IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, () -> "Ignoring unreadable " + file + " (" + e.getMessage()
                        + "); every plugin starts enabled. Fix or delete the file.");
            }
        }
    }

    @Override
    public synchronized boolean isPluginDisabled(String pluginId) {
        return disabled.contains(pluginId);
    }

    @Override
    public synchronized void disablePlugin(String pluginId) {
        if (disabled.add(pluginId)) {
            save();
        }
    }

    @Override
    public synchronized void enablePlugin(String pluginId) {
        if (disabled.remove(pluginId)) {
            save();
        }
    }

    private void save() {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("format", FORMAT);
        json.putPOJO("disabled", disabled);
        try {
            AtomicFiles.writeString(file, Json.pretty(json) + "\n", AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot save plugin state to " + file + ": " + e.getMessage(), e);
        }
    }
}
