package farm.llama.atmosphere.runtime.config;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.ConfigException;
import farm.llama.atmosphere.runtime.ConfigKey;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * environment overrides and fills in defaults. Every problem is reported with the file, the line
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
     * @param file {@code config.yaml}; absent means all defaults
     * @param env the environment
     * @return the merged, validated tree
     * @throws ConfigException listing every problem
     */
    public static Map<String, Object> load(Path file, Map<String, String> env) {
        return new ConfigLoader().run(file, env);
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
        for (ConfigKey key : ConfigKey.ALL) {
            if (key.defaultValue() != null && get(tree, key.name()).isEmpty()) {
                put(tree, key.name(), key.defaultValue());
            }
        }
        return freeze(tree);
    }

    /** {@code format: N} at the top of the file (absent: 1, as 0.1.0 wrote it); a newer one is refused. */
    private void checkFormat(Object format) {
        if (format == null) {
            return;
        }
        if (!(format instanceof Number n) || n.longValue() < 1 || n.doubleValue() != Math.rint(n.doubleValue())) {
            problems.add(where("format") + ": expected a format version (1), got '" + format + "'");
        } else if (n.longValue() > FORMAT) {
            problems.add(where("format") + ": format " + n.longValue() + " is for a newer Atmosphere; this one (" + farm.llama.atmosphere.runtime.Atmosphere.version()
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

    private void checkKeys(Map<String, Object> tree, String prefix) {
        for (Map.Entry<String, Object> entry : tree.entrySet()) {
            String key = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
            if (prefix.isEmpty() && ConfigKey.OPEN_SECTIONS.contains(entry.getKey())) {
                continue;
            }
            boolean known = ConfigKey.ALL.stream().anyMatch(k -> k.name().equals(key));
            boolean parent = ConfigKey.ALL.stream().anyMatch(k -> k.name().startsWith(key + "."));
            if (known) {
                continue;
            }
            if (parent && entry.getValue() instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> child = (Map<String, Object>) map;
                checkKeys(child, key);
            } else if (parent) {
                problems.add(where(key) + ": expected a section of keys (" + childrenOf(key) + "), got '" + entry.getValue() + "'");
            } else {
                problems.add(where(key) + ": unknown key" + suggestion(key)
                        + ". Known keys are listed in the README under 'Configuration'.");
            }
        }
    }

    private static String childrenOf(String key) {
        return String.join(", ", ConfigKey.ALL.stream().map(ConfigKey::name)
                .filter(n -> n.startsWith(key + ".")).toList());
    }

    private static String suggestion(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        List<String> names = new ArrayList<>(ConfigKey.ALL.stream().map(ConfigKey::name).toList());
        names.addAll(ConfigKey.OPEN_SECTIONS);
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
        String bad = where + ": expected " + key.type().expected() + ", got '" + value + "'";
        if (value == null) {
            return Optional.empty();
        }
        switch (key.type()) {
            case STRING -> {
                if (value instanceof Map || value instanceof List) {
                    problems.add(bad);
                    return Optional.empty();
                }
                return Optional.of(String.valueOf(value));
            }
            case PORT, SIZE -> {
                Long n = value instanceof Long l ? l : parseLong(String.valueOf(value));
                boolean ok = n != null && (key.type() == ConfigKey.Type.PORT ? n >= 0 && n <= 65535 : n > 0);
                if (!ok) {
                    problems.add(bad);
                    return Optional.empty();
                }
                return Optional.of(n);
            }
            case BOOLEAN -> {
                if (value instanceof Boolean) {
                    return Optional.of(value);
                }
                String s = String.valueOf(value).trim().toLowerCase(Locale.ROOT);
                if (s.equals("true") || s.equals("false")) {
                    return Optional.of(Boolean.valueOf(s));
                }
                problems.add(bad);
                return Optional.empty();
            }
            case LIST -> {
                if (value instanceof List<?> list && list.stream().noneMatch(i -> i instanceof Map || i instanceof List)) {
                    return Optional.of(list.stream().map(String::valueOf).toList());
                }
                problems.add(bad);
                return Optional.empty();
            }
            case DURATION -> {
                Optional<java.time.Duration> d = Durations.parse(String.valueOf(value));
                if (d.isEmpty()) {
                    problems.add(bad);
                    return Optional.empty();
                }
                return Optional.of(String.valueOf(value));
            }
            case LOG_LEVEL -> {
                String s = String.valueOf(value).trim().toUpperCase(Locale.ROOT);
                if (s.equals("WARN")) {
                    s = "WARNING";
                }
                if (!List.of("ERROR", "WARNING", "INFO", "DEBUG", "TRACE", "OFF", "ALL").contains(s)) {
                    problems.add(bad);
                    return Optional.empty();
                }
                return Optional.of(s);
            }
            default -> throw new IllegalStateException(key.type().toString());
        }
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
            if (raw.startsWith("[") || (known.isEmpty() && raw.startsWith("{"))) {
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
