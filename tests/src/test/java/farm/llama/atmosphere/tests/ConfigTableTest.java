package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.config.ConfigKey;
import farm.llama.atmosphere.runtime.config.PluginSettings;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.spi.Provider;
import farm.llama.atmosphere.spi.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's configuration table is the registry: every key the node reads ({@link ConfigKey#ALL})
 * and every key a built-in plugin declares ({@link Provider#settings()}) has exactly one row, with
 * the registry's type and default; no row names a key nothing reads. And a plugin's section is held
 * to what the plugin declares when a node opens.
 */
class ConfigTableTest {

    private static final Path PLUGINS = Path.of(System.getProperty("atmosphere.test.plugins", "target/plugins"));

    @TempDir
    Path dir;

    /** @return key → [type, default] from the registry and the built-in plugins (the image's plugin jars) */
    private Map<String, List<String>> registry() {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (ConfigKey k : ConfigKey.ALL) {
            keys.put(k.name(), List.of(k.type().word(), k.shownDefault()));
        }
        try (PluginHost host = new PluginHost(Optional.of(PLUGINS), dir.resolve("user-plugins"), dir.resolve("plugin-state"),
                Atmosphere.version(), true)) {
            host.start();
            ConfigKey.PLUGIN_SECTIONS.forEach((section, family) -> {
                for (PluginHost.Found<? extends Provider> f : host.providers(family)) {
                    for (Setting s : f.provider().settings()) {
                        keys.put(section + "." + f.provider().type() + "." + s.key(), List.of(PluginSettings.typeOf(s.kind()).word(), s.defaultValue()));
                    }
                }
            });
        }
        return keys;
    }

    /** @return key → [type, default] from the README's table ({@code cost.prices.<model>} is the key {@code cost.prices}) */
    private static Map<String, List<String>> readme() throws Exception {
        String text = Files.readString(Path.of("..", "README.md"));
        String table = text.substring(text.indexOf("| Key | Type | Default | Meaning |"));
        table = table.substring(0, table.indexOf("\n\n"));
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (String line : table.lines().skip(2).toList()) {
            String[] cells = line.split("(?<!\\\\)\\|");
            String key = cells[1].trim().replace("`", "");
            key = key.contains(".<") ? key.substring(0, key.indexOf(".<")) : key;
            String shown = cells[3].trim().replace("`", "");
            List<String> previous = rows.put(key, List.of(cells[2].trim(), shown.equals("—") ? "" : shown));
            assertEquals(null, previous, "the README's table lists " + key + " twice");
        }
        return rows;
    }

    @Test
    void theReadmeTableListsEveryKeyWithTheRegistrysTypeAndDefault() throws Exception {
        Map<String, List<String>> registry = registry();
        Map<String, List<String>> readme = readme();
        assertTrue(registry.keySet().stream().anyMatch(k -> k.startsWith("transport.websocket.")),
                "the built-in plugins must be on the test class path: " + registry.keySet());
        List<String> missing = new ArrayList<>(registry.keySet());
        missing.removeAll(readme.keySet());
        assertEquals(List.of(), missing, "keys the node reads that the README's table does not list");
        List<String> extra = new ArrayList<>(readme.keySet());
        extra.removeAll(registry.keySet());
        assertEquals(List.of(), extra, "rows of the README's table that name no key anything reads");
        registry.forEach((key, expected) -> assertEquals(expected, readme.get(key), "README row of " + key + ": [type, default]"));
    }

    @Test
    void aTypoInAPluginsSectionIsRefusedWhenTheNodeOpensAndASectionOfAnAbsentPluginIsNot() throws Exception {
        DataDir data = new DataDir(dir.resolve("data"));
        NodeSetup.init(data, Optional.of("config-node"), false);
        Path plugins = PLUGINS;
        Files.writeString(data.configFile(), "transport:\n  websocket:\n    max-frme: 1024\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.of(plugins)).close());
        assertTrue(e.getMessage().contains("config.yaml:3: transport.websocket.max-frme: unknown key (did you mean 'transport.websocket.max-frame'?)"),
                e.getMessage());
        Files.writeString(data.configFile(), "transport:\n  websocket:\n    idle-timeout: soon\n");
        ConfigException kind = assertThrows(ConfigException.class,
                () -> Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.of(plugins)).close());
        assertTrue(kind.getMessage().contains("transport.websocket.idle-timeout: expected a duration"), kind.getMessage());
        Files.writeString(data.configFile(), "transport:\n  carrier-pigeon:\n    speed: 3\n");
        Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.of(plugins)).close();
    }
}
