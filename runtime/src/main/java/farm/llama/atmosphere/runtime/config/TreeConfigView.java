package farm.llama.atmosphere.runtime.config;

import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.ConfigView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** A {@link ConfigView} over a nested map. Immutable. */
public final class TreeConfigView implements ConfigView {

    private final String prefix;
    private final Map<String, Object> tree;
    /** Whether the registry declares keys in this subtree (a plugin's section and {@code cost.prices} have none). */
    private final boolean registered;

    /**
     * @param prefix dotted path of this subtree, for error messages ("" for the root)
     * @param tree the subtree (not copied; callers pass unmodifiable maps)
     */
    public TreeConfigView(String prefix, Map<String, Object> tree) {
        this.prefix = prefix;
        this.tree = tree;
        this.registered = ConfigKey.holdsKeys(prefix);
    }

    /** The value at {@code key}, else the registry's default for it ({@link ConfigKey}): a view never needs a default of its own. */
    private Optional<Object> raw(String key) {
        Optional<Object> given = given(key);
        if (given.isPresent() || !registered) {
            return given;
        }
        return ConfigKey.named(prefix.isEmpty() ? key : prefix + "." + key).map(ConfigKey::defaultValue);
    }

    private Optional<Object> given(String key) {
        Object node = tree;
        for (String part : key.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return Optional.empty();
            }
            node = map.get(part);
            if (node == null) {
                return Optional.empty();
            }
        }
        return Optional.of(node);
    }

    private AtmosphereException wrongType(String key, String expected, Object value) {
        return new AtmosphereException("config key " + (prefix.isEmpty() ? key : prefix + "." + key)
                + ": expected " + expected + ", got '" + value + "'");
    }

    @Override
    public Optional<String> string(String key) {
        return raw(key).map(v -> {
            if (v instanceof Map || v instanceof List) {
                throw wrongType(key, "text", v);
            }
            return String.valueOf(v);
        });
    }

    @Override
    public Optional<Long> number(String key) {
        return raw(key).map(v -> {
            if (v instanceof Number n) {
                return n.longValue();
            }
            try {
                return Long.parseLong(String.valueOf(v).trim());
            } catch (NumberFormatException e) {
                throw wrongType(key, "a whole number", v);
            }
        });
    }

    @Override
    public Optional<Boolean> bool(String key) {
        return raw(key).map(v -> {
            if (v instanceof Boolean b) {
                return b;
            }
            return switch (String.valueOf(v).trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> true;
                case "false", "no", "off" -> false;
                default -> throw wrongType(key, "true or false", v);
            };
        });
    }

    @Override
    public Optional<Duration> duration(String key) {
        return raw(key).map(v -> Durations.parse(String.valueOf(v))
                .orElseThrow(() -> wrongType(key, ConfigKey.Type.DURATION.expected(), v)));
    }

    @Override
    public List<String> list(String key) {
        return raw(key).map(v -> {
            if (!(v instanceof List<?> list)) {
                throw wrongType(key, "a list", v);
            }
            List<String> out = new ArrayList<>(list.size());
            for (Object item : list) {
                out.add(String.valueOf(item));
            }
            return List.copyOf(out);
        }).orElse(List.of());
    }

    @Override
    @SuppressWarnings("unchecked")
    public ConfigView subtree(String key) {
        return raw(key)
                .filter(Map.class::isInstance)
                .map(v -> (ConfigView) new TreeConfigView(prefix.isEmpty() ? key : prefix + "." + key, (Map<String, Object>) v))
                .orElseGet(() -> new TreeConfigView(prefix.isEmpty() ? key : prefix + "." + key, Map.of()));
    }

    @Override
    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(tree);
    }
}
