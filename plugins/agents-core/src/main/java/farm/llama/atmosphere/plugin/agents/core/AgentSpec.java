package farm.llama.atmosphere.plugin.agents.core;

import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
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
 * An agent described in YAML, in the original project's format:
 *
 * <pre>
 * agent:
 *   id: research_agent
 *   version: "1.0"
 *   type: research
 *   description: ...
 *   triggers: [{name: research_request, description: ..., params: {...}}]
 *   tools: {required: [llm], optional: [embed]}
 *   default_params: {max_steps: 6}
 *   instructions: |
 *     ...
 *   resource_profile: {...}
 * </pre>
 *
 * @param id the spec's id
 * @param version its version
 * @param type the agent type it defines (the capability is {@code agent/<type>})
 * @param description what it does, matched against intents
 * @param triggers the events it reacts to
 * @param requiredTools tools it cannot work without
 * @param optionalTools tools it may use when present
 * @param defaultParams parameters of every agent of the type, overridden at spawn
 * @param instructions the system prompt of its tool-calling loop
 * @param resourceProfile free-form hints (memory, model size)
 * @param source where it came from, for messages
 */
public record AgentSpec(String id, String version, String type, String description, List<Trigger> triggers,
                        List<String> requiredTools, List<String> optionalTools, Map<String, Object> defaultParams,
                        String instructions, Map<String, Object> resourceProfile, String source) {

    /** One event the agent reacts to. */
    public record Trigger(String name, String description, Map<String, Object> params) {
    }

    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

    /** Copies. */
    public AgentSpec {
        triggers = List.copyOf(triggers);
        requiredTools = List.copyOf(requiredTools);
        optionalTools = List.copyOf(optionalTools);
        defaultParams = Collections.unmodifiableMap(new LinkedHashMap<>(defaultParams));
        resourceProfile = Collections.unmodifiableMap(new LinkedHashMap<>(resourceProfile));
    }

    /** @return the most model turns an agent of this type takes per intent ({@code default_params.max_steps}, default 8) */
    public int maxSteps() {
        return defaultParams.get("max_steps") instanceof Number n ? Math.max(1, Math.min(64, n.intValue())) : 8;
    }

    /**
     * Parses a spec.
     *
     * @param text the YAML
     * @param source the file name, for messages
     * @return the spec
     * @throws AtmosphereException naming, one per line, the file, the line and what is wrong
     */
    public static AgentSpec parse(String text, String source) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        Node root;
        try (Reader reader = new StringReader(text)) {
            root = new Yaml(options).compose(reader);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String at = mark == null ? source : source + ":" + (mark.getLine() + 1);
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            throw problems(List.of(at + ": not valid YAML: " + problem.trim()));
        } catch (YAMLException | IOException e) {
            throw problems(List.of(source + ": not valid YAML: " + e.getMessage()));
        }
        Reading r = new Reading(source);
        if (!(root instanceof MappingNode top)) {
            throw problems(List.of(source + ":1: an agent spec is a mapping with one key, 'agent:'"));
        }
        Node agent = r.child(top, "agent");
        if (!(agent instanceof MappingNode a)) {
            throw problems(List.of(r.at(top) + ": an agent spec needs an 'agent:' mapping at its root"));
        }
        String id = r.string(a, "id", true);
        String type = r.string(a, "type", true);
        if (type != null && !TYPE.matcher(type).matches()) {
            r.problem(r.child(a, "type"), "'type' must be lower-case letters, digits, '_' or '-', got '" + type + "'");
        }
        String description = r.string(a, "description", true);
        String version = r.string(a, "version", false);
        String instructions = r.string(a, "instructions", false);
        List<Trigger> triggers = new ArrayList<>();
        Node t = r.child(a, "triggers");
        if (t instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                if (!(item instanceof MappingNode m)) {
                    r.problem(item, "each trigger is a mapping with 'name' (and 'description', 'params')");
                    continue;
                }
                String name = r.string(m, "name", true);
                triggers.add(new Trigger(name == null ? "" : name, nz(r.string(m, "description", false)), r.map(m, "params")));
            }
        } else if (t != null) {
            r.problem(t, "'triggers' must be a list");
        }
        List<String> required = List.of();
        List<String> optional = List.of();
        Node tools = r.child(a, "tools");
        if (tools instanceof MappingNode tm) {
            required = r.strings(tm, "required");
            optional = r.strings(tm, "optional");
        } else if (tools != null) {
            r.problem(tools, "'tools' must be a mapping with 'required' and 'optional' lists");
        }
        Map<String, Object> params = r.map(a, "default_params");
        Map<String, Object> profile = r.map(a, "resource_profile");
        Object steps = params.get("max_steps");
        if (steps != null && !(steps instanceof Number n && n.intValue() >= 1 && n.intValue() <= 64)) {
            r.problem(r.child(a, "default_params"), "'default_params.max_steps' must be a whole number from 1 to 64");
        }
        if (!r.problems.isEmpty()) {
            throw problems(r.problems);
        }
        return new AgentSpec(id, nz(version), type, description, triggers, required, optional, params, nz(instructions), profile, source);
    }

    private static AtmosphereException problems(List<String> problems) {
        return new AtmosphereException(String.join("\n", problems));
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** Walks the YAML tree, collecting problems with their lines. */
    private static final class Reading {
        final String source;
        final List<String> problems = new ArrayList<>();

        Reading(String source) {
            this.source = source;
        }

        String at(Node n) {
            return source + ":" + (n.getStartMark().getLine() + 1);
        }

        void problem(Node n, String what) {
            problems.add(at(n) + ": " + what);
        }

        Node child(MappingNode m, String key) {
            for (NodeTuple tuple : m.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                    return tuple.getValueNode();
                }
            }
            return null;
        }

        String string(MappingNode m, String key, boolean required) {
            Node n = child(m, key);
            if (n == null) {
                if (required) {
                    problems.add(at(m) + ": '" + key + "' is required");
                }
                return null;
            }
            if (!(n instanceof ScalarNode s)) {
                problem(n, "'" + key + "' must be text");
                return null;
            }
            if (required && s.getValue().isBlank()) {
                problem(n, "'" + key + "' must not be empty");
            }
            return s.getValue();
        }

        List<String> strings(MappingNode m, String key) {
            Node n = child(m, key);
            if (n == null) {
                return List.of();
            }
            if (!(n instanceof SequenceNode seq)) {
                problem(n, "'" + key + "' must be a list of tool names");
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (Node item : seq.getValue()) {
                if (item instanceof ScalarNode s && !s.getValue().isBlank()) {
                    out.add(s.getValue());
                } else {
                    problem(item, "'" + key + "' must hold tool names");
                }
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> map(MappingNode m, String key) {
            Node n = child(m, key);
            if (n == null) {
                return Map.of();
            }
            if (!(n instanceof MappingNode)) {
                problem(n, "'" + key + "' must be a mapping");
                return Map.of();
            }
            return (Map<String, Object>) plain(n);
        }

        /** A node as plain values: maps, lists, strings, longs, doubles, booleans. */
        Object plain(Node n) {
            if (n instanceof MappingNode mapping) {
                Map<String, Object> out = new LinkedHashMap<>();
                for (NodeTuple tuple : mapping.getValue()) {
                    if (tuple.getKeyNode() instanceof ScalarNode k) {
                        out.put(k.getValue(), plain(tuple.getValueNode()));
                    } else {
                        problem(tuple.getKeyNode(), "keys must be plain names");
                    }
                }
                return out;
            }
            if (n instanceof SequenceNode seq) {
                List<Object> out = new ArrayList<>();
                seq.getValue().forEach(item -> out.add(plain(item)));
                return out;
            }
            ScalarNode s = (ScalarNode) n;
            String v = s.getValue();
            try {
                if (Tag.INT.equals(s.getTag())) {
                    return Long.parseLong(v.replace("_", ""));
                }
                if (Tag.FLOAT.equals(s.getTag())) {
                    return Double.parseDouble(v.replace("_", ""));
                }
            } catch (NumberFormatException e) {
                return v;
            }
            if (Tag.BOOL.equals(s.getTag())) {
                return Boolean.parseBoolean(v.toLowerCase(Locale.ROOT));
            }
            if (Tag.NULL.equals(s.getTag())) {
                return null;
            }
            return v;
        }
    }
}
