package farm.llama.atmosphere.runtime.config;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.runtime.util.Json;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads {@code config.yaml}, checks it against the known keys, applies {@code ATMOSPHERE_*}
 * environment overrides. Every problem is reported with the file, the line
 * and the key; nothing is ever written back.
 */
public final class ConfigLoader {

    /** Short forms kept from the original's Docker files. */
    static final Map<String, String> SHORT_FORMS = Map.of(
            "ATMOSPHERE_HOST", "api.host",
            "ATMOSPHERE_PORT", "api.port");

    /** The format of {@code config.yaml} this version reads and {@code init} writes. */
    public static final int FORMAT = 1;

    private final Map<String, Integer> lines = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private String source = "config.yaml";

    /**
     * A loaded configuration.
     *
     * @param tree the merged, validated tree (what was given; views supply the registry's defaults); unmodifiable
     * @param where for a dotted key: {@code file:line: key} when the file gives it, else {@code file: key}
     */
    public record Loaded(Map<String, Object> tree, Function<String, String> where) {
    }

    /**
     * @param file {@code config.yaml}; absent means all defaults
     * @param env the environment
     * @return the merged, validated tree and where each key was given
     * @throws ConfigException listing every problem
     */
    public static Loaded load(Path file, Map<String, String> env) {
        ConfigLoader loader = new ConfigLoader();
        Map<String, Object> tree = loader.run(file, env);
        Map<String, Integer> lines = Map.copyOf(loader.lines);
        String source = loader.source;
        return new Loaded(tree, key -> lines.containsKey(key) ? source + ":" + lines.get(key) + ": " + key : source + ": " + key);
    }

    private Map<String, Object> run(Path file, Map<String, String> env) {
        source = file.toString();
        Map<String, Object> parsed = new LinkedHashMap<>();
        if (Files.exists(file)) {
            String text;
            try {
                text = Files.readString(file);
            } catch (MalformedInputException e) {
                throw new ConfigException(List.of(source + ": not UTF-8 text. Save it as UTF-8."));
            } catch (IOException e) {
                throw new ConfigException(List.of(source + ": cannot read: " + e.getMessage()));
            }
            parsed = parse(text);
        }
        Map<String, Object> tree = parsed;
        checkFormat(tree.remove("format"));
        checkKeys(tree, "");
        for (ConfigKey key : ConfigKey.ALL) {
            Optional<Object> value = get(tree, key.name());
            if (value.isPresent()) {
                coerce(key, value.get(), where(key.name())).ifPresent(v -> put(tree, key.name(), v));
            }
        }
        applyEnv(tree, env);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return freeze(tree); // defaults stay in the registry: every view falls back to it
    }

    /** {@code format: N} at the top of the file (absent: 1, as 0.1.0 wrote it); a newer one is refused. */
    private void checkFormat(Object format) {
        if (format == null) {
            return;
        }
        if (!(format instanceof Number n) || n.longValue() < 1 || n.doubleValue() != Math.rint(n.doubleValue())) {
            problems.add(where("format") + ": expected a format version (1), got '" + format + "'");
        } else if (n.longValue() > FORMAT) {
            problems.add(where("format") + ": format " + n.longValue() + " is for a newer Atmosphere; this one (" + Atmosphere.version()
                    + ") reads format " + FORMAT + ". Run the newer version, or restore config.yaml from a backup taken before the upgrade.");
        }
    }

    private String where(String key) {
        Integer line = lines.get(key);
        return line == null ? source + ": " + key : source + ":" + line + ": " + key;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> parse(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        options.setAllowRecursiveKeys(false);
        Node root;
        try (Reader reader = new StringReader(text)) {
            root = new Yaml(options).compose(reader);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String at = mark == null ? source : source + ":" + (mark.getLine() + 1);
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            String context = e.getContext() != null ? " (" + e.getContext().trim() + ")" : "";
            throw new ConfigException(List.of(at + ": not valid YAML: " + problem.trim() + context
                    + ". Fix the file; nothing was changed."));
        } catch (YAMLException | IOException e) {
            throw new ConfigException(List.of(source + ": not valid YAML: " + e.getMessage()));
        }
        if (root == null) {
            return new LinkedHashMap<>();
        }
        if (!(root instanceof MappingNode)) {
            throw new ConfigException(List.of(source + ":" + (root.getStartMark().getLine() + 1)
                    + ": the file must be a mapping of keys (like 'api:'), not a " + describe(root)));
        }
        Object value = convert(root, "");
        return value instanceof Map ? (Map<String, Object>) value : new LinkedHashMap<>();
    }

    private static String describe(Node node) {
        return node instanceof SequenceNode ? "list" : "single value";
    }

    private Object convert(Node node, String path) {
        if (!path.isEmpty()) {
            lines.putIfAbsent(path, node.getStartMark().getLine() + 1);
        }
        if (node instanceof MappingNode mapping) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (NodeTuple tuple : mapping.getValue()) {
                if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                    problems.add(source + ":" + (tuple.getKeyNode().getStartMark().getLine() + 1)
                            + ": keys must be plain names");
                    continue;
                }
                String key = keyNode.getValue();
                String child = path.isEmpty() ? key : path + "." + key;
                int line = keyNode.getStartMark().getLine() + 1;
                if (map.containsKey(key)) {
                    problems.add(source + ":" + line + ": " + child + ": duplicate key (first given on line "
                            + lines.get(child) + "); keep one of them");
                    continue;
                }
                lines.put(child, line);
                Object value = convert(tuple.getValueNode(), child);
                if (key.contains(".") && !key.startsWith(".") && !key.endsWith(".")) {
                    put(map, key, value);
                } else {
                    map.put(key, value);
                }
            }
            return map;
        }
        if (node instanceof SequenceNode sequence) {
            List<Object> list = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                list.add(convert(item, path + "[]"));
            }
            return list;
        }
        ScalarNode scalar = (ScalarNode) node;
        Tag tag = scalar.getTag();
        String v = scalar.getValue();
        try {
            if (Tag.INT.equals(tag)) {
                return Long.decode(v.replace("_", ""));
            }
            if (Tag.FLOAT.equals(tag)) {
                return Double.valueOf(v);
            }
        } catch (NumberFormatException e) {
            return v;
        }
        if (Tag.BOOL.equals(tag)) {
            return Boolean.valueOf(v.toLowerCase(Locale.ROOT).matches("true|yes|on|y"));
        }
        if (Tag.NULL.equals(tag)) {
            return null;
        }
        return v;
    }

    /**
     * Every key must be one the node reads ({@link ConfigKey#ALL}), a section holding such keys, or
     * (one level inside a {@link ConfigKey#PLUGIN_SECTIONS plugin section}) a mapping that is a
     * provider's own section, which {@link PluginSettings} checks once the plugins are loaded.
     */
    private void checkKeys(Map<String, Object> tree, String prefix) {
        for (Map.Entry<String, Object> entry : tree.entrySet()) {
            String key = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
            if (ConfigKey.named(key).isPresent()) {
                continue;
            }
            boolean parent = ConfigKey.holdsKeys(key)
                    || ConfigKey.PLUGIN_SECTIONS.containsKey(key);
            if (parent && entry.getValue() instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> child = (Map<String, Object>) map;
                checkKeys(child, key);
            } else if (parent) {
                problems.add(where(key) + ": expected a section of keys (" + childrenOf(key) + "), got '" + entry.getValue() + "'");
            } else if (ConfigKey.PLUGIN_SECTIONS.containsKey(prefix) && entry.getValue() instanceof Map) {
                continue; // a provider's own section: checked against what it declares
            } else {
                problems.add(where(key) + ": unknown key" + suggestion(key, KNOWN_NAMES)
                        + ". Known keys are listed in the README under 'Configuration'.");
            }
        }
    }

    /** Every key the node reads and every section that holds them ({@code mesh}, {@code mesh.probe}), in a stable order. */
    private static final List<String> KNOWN_NAMES = knownNames();

    private static List<String> knownNames() {
        Set<String> names = new LinkedHashSet<>(ConfigKey.PLUGIN_SECTIONS.keySet());
        for (ConfigKey k : ConfigKey.ALL) {
            for (int dot = k.name().indexOf('.'); dot > 0; dot = k.name().indexOf('.', dot + 1)) {
                names.add(k.name().substring(0, dot));
            }
            names.add(k.name());
        }
        return List.copyOf(names);
    }

    private static String childrenOf(String key) {
        List<String> children = ConfigKey.ALL.stream().map(ConfigKey::name).filter(n -> n.startsWith(key + ".")).toList();
        return children.isEmpty() ? "one section per plugin type, like " + key + ".<type>:" : String.join(", ", children);
    }

    /**
     * @param key a key that is not known
     * @param names the keys that are
     * @return " (did you mean 'x'?)" naming the closest known key, or "" when none is close
     */
    static String suggestion(String key, List<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : names) {
            int d = distance(key, name);
            if (d < bestDistance) {
                bestDistance = d;
                best = name;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 4) ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Converts a value to a key's type, or records a problem. */
    private Optional<Object> coerce(ConfigKey key, Object value, String where) {
        if (value == null) {
            return Optional.empty();
        }
        Optional<Object> converted = convert(key.type(), value);
        if (converted.isEmpty()) {
            problems.add(where + ": expected " + key.type().expected() + ", got '" + value + "'");
        }
        return converted;
    }

    /**
     * @param type a key's type
     * @param value a value as parsed from YAML or the environment
     * @return the value in the form readers get it, or empty when it is not of that type
     */
    static Optional<Object> convert(ConfigKey.Type type, Object value) {
        boolean scalar = !(value instanceof Map || value instanceof List);
        return switch (type) {
            case STRING, PATH, RATE -> scalar ? Optional.of(String.valueOf(value)) : Optional.empty();
            case PORT, NUMBER, BYTES -> {
                Long n = value instanceof Long l ? l : parseLong(String.valueOf(value));
                boolean ok = n != null && (type == ConfigKey.Type.PORT ? n >= 0 && n <= 65535 : n > 0);
                yield ok ? Optional.of(n) : Optional.empty();
            }
            case BOOLEAN -> {
                if (value instanceof Boolean) {
                    yield Optional.of(value);
                }
                String s = String.valueOf(value).trim().toLowerCase(Locale.ROOT);
                yield s.equals("true") || s.equals("false") ? Optional.of(Boolean.valueOf(s)) : Optional.empty();
            }
            case LIST -> value instanceof List<?> list && list.stream().noneMatch(i -> i instanceof Map || i instanceof List)
                    ? Optional.of(list.stream().map(String::valueOf).toList()) : Optional.empty();
            case DURATION -> scalar && Durations.parse(String.valueOf(value)).isPresent()
                    ? Optional.of(String.valueOf(value)) : Optional.empty();
            case LOG_LEVEL -> {
                String s = String.valueOf(value).trim().toUpperCase(Locale.ROOT);
                s = s.equals("WARN") ? "WARNING" : s;
                yield List.of("ERROR", "WARNING", "INFO", "DEBUG", "TRACE", "OFF", "ALL").contains(s) ? Optional.of(s) : Optional.empty();
            }
            case MAPPING -> value instanceof Map ? Optional.of(value) : Optional.empty();
            case MAPPINGS -> value instanceof List<?> list && list.stream().allMatch(i -> i instanceof Map)
                    ? Optional.of(value) : Optional.empty();
        };
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void applyEnv(Map<String, Object> tree, Map<String, String> env) {
        Map<String, String> targets = new LinkedHashMap<>();
        SHORT_FORMS.forEach((var, key) -> targets.put(var, key));
        for (String path : lines.keySet()) {
            if (!path.contains("[]")) {
                targets.put(ConfigKey.envNameOf(path), path);
            }
        }
        for (ConfigKey key : ConfigKey.ALL) {
            targets.put(key.envName(), key.name());
        }
        for (Map.Entry<String, String> target : targets.entrySet()) {
            String raw = env.get(target.getKey());
            if (raw == null) {
                continue;
            }
            String name = target.getValue();
            String where = "environment variable " + target.getKey() + " (key " + name + ")";
            Optional<ConfigKey> known = ConfigKey.ALL.stream().filter(k -> k.name().equals(name)).findFirst();
            Object value = raw;
            boolean mapping = known.isEmpty() || known.get().type() == ConfigKey.Type.MAPPING;
            if (raw.startsWith("[") || (mapping && raw.startsWith("{"))) {
                try {
                    JsonNode json = Json.parse(raw);
                    value = Json.MAPPER.convertValue(json, Object.class);
                } catch (IllegalArgumentException e) {
                    problems.add(where + ": " + e.getMessage() + ". Lists are given as JSON, e.g. [\"a\",\"b\"]");
                    continue;
                }
            } else if (known.isPresent() && known.get().type() == ConfigKey.Type.LIST) {
                problems.add(where + ": expected a JSON list such as [\"a\",\"b\"], got '" + raw + "'");
                continue;
            }
            if (known.isPresent()) {
                Object v = value;
                coerce(known.get(), v, where).ifPresent(c -> put(tree, name, c));
            } else {
                put(tree, name, value);
            }
        }
    }

    static Optional<Object> get(Map<String, Object> tree, String dotted) {
        Object node = tree;
        for (String part : dotted.split("\\.")) {
            if (!(node instanceof Map<?, ?> map) || !map.containsKey(part)) {
                return Optional.empty();
            }
            node = map.get(part);
        }
        return Optional.ofNullable(node);
    }

    @SuppressWarnings("unchecked")
    static void put(Map<String, Object> tree, String dotted, Object value) {
        String[] parts = dotted.split("\\.");
        Map<String, Object> node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            Object child = node.get(parts[i]);
            if (!(child instanceof Map)) {
                child = new LinkedHashMap<String, Object>();
                node.put(parts[i], child);
            }
            node = (Map<String, Object>) child;
        }
        node.put(parts[parts.length - 1], value);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> freeze(Map<String, Object> tree) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> m) {
                v = freeze((Map<String, Object>) m);
            } else if (v instanceof List<?> l) {
                v = Collections.unmodifiableList(new ArrayList<>(l));
            }
            out.put(e.getKey(), v);
        }
        return Collections.unmodifiableMap(out);
    }
}
