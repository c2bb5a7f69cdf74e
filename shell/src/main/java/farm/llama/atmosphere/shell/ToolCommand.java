package farm.llama.atmosphere.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.api.ToolReport;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere tool list|info|run}. Tools run inside the serving node when there is one. */
@Command(name = "tool", mixinStandardHelpOptions = true, description = "List, describe and run tools.")
final class ToolCommand {

    @ParentCommand
    RootCommand root;

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tools.")
    int list(@Option(names = {"-c", "--category"}, paramLabel = "CATEGORY", description = "Only this category.") String category,
             @Mixin JsonOption json) {
        List<ToolReport> tools = root.session.api().tools().stream()
                .filter(t -> category == null || t.category().equals(category)).toList();
        if (json.on()) {
            Output.json(root.session.out, Map.of("tools", tools));
            return 0;
        }
        if (tools.isEmpty()) {
            root.session.out.println("No tools" + (category == null ? "" : " in category '" + category + "'") + ".");
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (ToolReport t : tools) {
            rows.add(List.of(t.name(), t.category(), t.enabled() ? "yes" : "no (enable in config)", t.description()));
        }
        Output.table(root.session.out, List.of("NAME", "CATEGORY", "ENABLED", "DESCRIPTION"), rows);
        return 0;
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Describe a tool and its parameters.")
    int info(@Parameters(paramLabel = "NAME", description = "Tool name.") String name,
             @Mixin JsonOption json) {
        ToolReport t = root.session.api().tool(name);
        var out = root.session.out;
        if (json.on()) {
            Output.json(out, t);
            return 0;
        }
        out.println(t.name() + " (" + t.category() + ", from " + t.provider() + ")");
        out.println("  " + t.description());
        out.println("  Timeout:     " + t.timeout());
        out.println("  Permissions: " + (t.permissions().isEmpty() ? "none" : String.join(", ", t.permissions())));
        out.println("  Enabled:     " + (t.enabled() ? "yes" : "no (add it to tools.enabled-outside in config.yaml)"));
        JsonNode schema = Output.parse(t.parameters().json());
        JsonNode props = schema.path("properties");
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        if (props.isEmpty()) {
            out.println("  Parameters:  none");
        } else {
            out.println("  Parameters:");
            props.fields().forEachRemaining(e -> {
                JsonNode p = e.getValue();
                String type = p.has("type") ? p.get("type").asText() : "any";
                if (p.has("enum")) {
                    type += " " + p.get("enum");
                }
                out.println("    " + e.getKey() + " (" + type + (required.contains(e.getKey()) ? ", required" : "") + ")"
                        + (p.has("description") ? ": " + p.get("description").asText() : ""));
            });
        }
        return 0;
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run a tool. Parameters come from --params (a JSON object) and --param k=v (repeatable;",
                    "the value is taken as JSON unless the parameter is a string)."})
    int run(@Parameters(paramLabel = "NAME", description = "Tool name.") String name,
            @Option(names = {"-P", "--param"}, paramLabel = "KEY=VALUE", description = "One parameter.") List<String> params,
            @Option(names = {"-p", "--params"}, paramLabel = "JSON", description = "All parameters as a JSON object.") String paramsJson,
            @Option(names = "--node", paramLabel = "NODE_ID", description = {"Run it on this member of the mesh (which checks its tools.grants for this node).",
                    "Without it, a tool this node lacks runs on a member that offers it."}) String node,
            @Mixin JsonOption json) {
        NodeApi api = root.session.api();
        JsonNode parameters;
        try {
            parameters = Output.parse(api.tool(name).parameters().json());
        } catch (CallFailedException e) {
            if (e.kind() != FailureKind.NOT_FOUND) {
                throw e;
            }
            parameters = Output.JSON.createObjectNode(); // a tool only a member has: values are read as JSON, else as text
        }
        ObjectNode args = Output.JSON.createObjectNode();
        if (paramsJson != null) {
            JsonNode parsed;
            try {
                parsed = Output.parse(paramsJson);
            } catch (IllegalArgumentException e) {
                throw new CallFailedException(FailureKind.INVALID_REQUEST, "--params is " + e.getMessage());
            }
            if (!parsed.isObject()) {
                throw new CallFailedException(FailureKind.INVALID_REQUEST, "--params must be a JSON object such as {\"message\":\"hi\"}");
            }
            args.setAll((ObjectNode) parsed);
        }
        JsonNode props = parameters.path("properties");
        for (String p : params == null ? List.<String>of() : params) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new CallFailedException(FailureKind.INVALID_REQUEST, "--param must look like key=value, got '" + p + "'");
            }
            String key = p.substring(0, eq);
            String raw = p.substring(eq + 1);
            args.set(key, valueFor(props.path(key), raw));
        }
        String result = node == null ? api.runTool(name, args.toString()) : api.runToolOn(node, name, args.toString());
        JsonNode value = Output.parse(result);
        if (json.on()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("tool", name);
            doc.put("result", value);
            Output.json(root.session.out, doc);
        } else {
            Output.json(root.session.out, value);
        }
        return 0;
    }

    private static JsonNode valueFor(JsonNode schema, String raw) {
        if ("string".equals(schema.path("type").asText())) {
            return Output.JSON.getNodeFactory().textNode(raw);
        }
        try {
            return Output.parse(raw);
        } catch (IllegalArgumentException e) {
            return Output.JSON.getNodeFactory().textNode(raw);
        }
    }
}
