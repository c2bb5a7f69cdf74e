package farm.llama.atmosphere.runtime.config;

import farm.llama.atmosphere.spi.Provider;
import farm.llama.atmosphere.spi.Setting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks a provider's own section of {@code config.yaml} ({@code transport.websocket:}) against
 * the keys it declares ({@link Provider#settings()}): an unknown key is refused with the closest
 * declared one, a value of the wrong kind with what was expected. A section no loaded provider
 * owns, or one whose provider declares nothing, is reported as ignored rather than refused, so a
 * configuration keeps working while a plugin is disabled or removed.
 */
public final class PluginSettings {

    private static final System.Logger LOG = System.getLogger(PluginSettings.class.getName());

    private PluginSettings() {
    }

    /**
     * Checks every provider section in the configuration.
     *
     * @param tree the whole configuration
     * @param where where a dotted key was given, for messages ({@code config.yaml:12: key})
     * @param providers the loaded providers of a family
     * @return what is wrong, one line each; empty when nothing is (sections nobody reads are logged)
     */
    public static List<String> problems(Map<String, Object> tree, Function<String, String> where,
                                        Function<Class<? extends Provider>, List<? extends Provider>> providers) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Class<? extends Provider>> family : ConfigKey.PLUGIN_SECTIONS.entrySet()) {
            String section = family.getKey();
            if (!(tree.get(section) instanceof Map<?, ?> content)) {
                continue;
            }
            for (Map.Entry<?, ?> e : content.entrySet()) {
                String prefix = section + "." + e.getKey();
                if (ConfigKey.named(prefix).isPresent() || ConfigKey.holdsKeys(prefix)
                        || !(e.getValue() instanceof Map<?, ?> own)) {
                    continue; // the node's own key, checked by the loader
                }
                Optional<? extends Provider> provider = providers.apply(family.getValue()).stream()
                        .filter(p -> p.type().equals(String.valueOf(e.getKey()))).findFirst();
                if (provider.isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, () -> where.apply(prefix) + ": no " + section + " plugin of type '"
                            + e.getKey() + "' is loaded; its settings are not used");
                } else if (provider.get().settings().isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, () -> where.apply(prefix) + ": the " + section + " plugin '"
                            + e.getKey() + "' reads no settings; these are ignored");
                } else {
                    problems.addAll(problems(prefix, own, provider.get().settings(), where));
                }
            }
        }
        return problems;
    }

    /**
     * @param prefix the section's dotted name ({@code transport.websocket})
     * @param content what the configuration holds there
     * @param declared the keys its provider reads
     * @param where where a dotted key was given
     * @return what is wrong, one line each
     */
    public static List<String> problems(String prefix, Map<?, ?> content, List<Setting> declared, Function<String, String> where) {
        List<String> problems = new ArrayList<>();
        check(prefix, "", content, declared, where, problems);
        return problems;
    }

    private static void check(String prefix, String relative, Map<?, ?> content, List<Setting> declared,
                              Function<String, String> where, List<String> problems) {
        for (Map.Entry<?, ?> e : content.entrySet()) {
            String key = relative.isEmpty() ? String.valueOf(e.getKey()) : relative + "." + e.getKey();
            String full = prefix + "." + key;
            Optional<Setting> setting = declared.stream().filter(s -> s.key().equals(key)).findFirst();
            if (setting.isPresent()) {
                ConfigKey.Type type = typeOf(setting.get().kind());
                if (e.getValue() != null && ConfigLoader.convert(type, e.getValue()).isEmpty()) {
                    problems.add(where.apply(full) + ": expected " + type.expected() + ", got '" + e.getValue() + "'");
                }
            } else if (e.getValue() instanceof Map<?, ?> child && declared.stream().anyMatch(s -> s.key().startsWith(key + "."))) {
                check(prefix, key, child, declared, where, problems);
            } else {
                List<String> names = declared.stream().map(s -> prefix + "." + s.key()).toList();
                problems.add(where.apply(full) + ": unknown key" + ConfigLoader.suggestion(full, names)
                        + ". This plugin reads: " + String.join(", ", declared.stream().map(Setting::key).toList()) + ".");
            }
        }
    }

    /**
     * @param kind a provider setting's kind
     * @return the node's type for it
     */
    public static ConfigKey.Type typeOf(Setting.Kind kind) {
        return switch (kind) {
            case TEXT -> ConfigKey.Type.STRING;
            case PATH -> ConfigKey.Type.PATH;
            case NUMBER -> ConfigKey.Type.NUMBER;
            case BOOLEAN -> ConfigKey.Type.BOOLEAN;
            case DURATION -> ConfigKey.Type.DURATION;
            case LIST -> ConfigKey.Type.LIST;
        };
    }
}
