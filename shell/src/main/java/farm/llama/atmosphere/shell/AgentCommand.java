package farm.llama.atmosphere.shell;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.api.AgentAnswer;
import farm.llama.atmosphere.runtime.api.AgentReport;
import farm.llama.atmosphere.runtime.api.AgentTypeReport;
import farm.llama.atmosphere.runtime.api.AgentTypes;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere agent types|list|spawn|invoke|ask|stop|add}. Agents live in the serving node. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Spawn agents, send them intents, route intents to the agent that fits.",
                "Agents live inside the serving node; after a restart they come back asleep."})
final class AgentCommand {

    @ParentCommand
    RootCommand root;

    @Command(name = "types", mixinStandardHelpOptions = true, description = "The agent types this node can spawn.")
    int types(@Mixin JsonOption json) {
        AgentTypes t = root.session.api().agentTypes();
        if (json.on()) {
            Output.json(root.session.out, t);
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (AgentTypeReport m : t.types()) {
            String ready = m.ready() ? "yes" : "no, needs " + String.join(", ", m.missing().orElse(List.of()));
            rows.add(List.of(m.type(), ready, String.valueOf(m.requiredTools()), m.description()));
        }
        Output.table(root.session.out, List.of("TYPE", "READY", "TOOLS", "DESCRIPTION"), rows);
        for (String p : t.problems()) {
            root.session.err.println("skipped: " + p);
        }
        return 0;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The agents spawned on this node.")
    int list(@Mixin JsonOption json) {
        List<AgentReport> agents = root.session.api().agents();
        if (json.on()) {
            Output.json(root.session.out, Map.of("agents", agents));
            return 0;
        }
        if (agents.isEmpty()) {
            root.session.out.println("No agents. 'atmosphere agent spawn TYPE' starts one; 'atmosphere agent types' lists the types.");
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (AgentReport a : agents) {
            rows.add(List.of(a.id(), a.type(), a.state(), String.valueOf(a.invocations()), a.lastActivity()));
        }
        Output.table(root.session.out, List.of("ID", "TYPE", "STATE", "INTENTS", "LAST ACTIVE"), rows);
        return 0;
    }

    @Command(name = "spawn", mixinStandardHelpOptions = true, description = "Spawn an agent (and optionally send it a first intent).")
    int spawn(@Parameters(paramLabel = "TYPE", description = "Agent type ('atmosphere agent types').") String type,
              @Option(names = {"-i", "--intent"}, paramLabel = "TEXT", description = "A first intent.") String intent,
              @Option(names = {"-P", "--param"}, paramLabel = "KEY=VALUE", description = "A spawn parameter (max_steps=4, model=llama3.2).") List<String> params,
              @Mixin JsonOption json) {
        AgentReport out = root.session.api().agentSpawn(type, new JsonText(Output.JSON.valueToTree(keyValues(params)).toString()), Optional.ofNullable(intent));
        if (json.on()) {
            Output.json(root.session.out, out);
            return 0;
        }
        root.session.out.println("Spawned " + out.id() + " (" + type + ").");
        out.answer().ifPresent(this::printAnswer);
        return 0;
    }

    @Command(name = "invoke", mixinStandardHelpOptions = true, description = "Send an intent to an agent.")
    int invoke(@Parameters(index = "0", paramLabel = "ID", description = "Agent id, or a prefix naming one agent.") String id,
               @Parameters(index = "1", paramLabel = "INTENT", description = "What to do.") String intent,
               @Option(names = {"-a", "--args"}, paramLabel = "JSON", description = "Extra arguments, a JSON object.") String args,
               @Mixin JsonOption json) {
        AgentAnswer out = root.session.api().agentInvoke(id, intent, object(args, "--args"));
        if (json.on()) {
            Output.json(root.session.out, out);
        } else {
            printAnswer(out);
        }
        return 0;
    }

    @Command(name = "ask", mixinStandardHelpOptions = true,
            description = {"Route an intent to the agent that fits it best, here or on another member, and run it.",
                    "--route narrows the choice: agent/notifier, 'agent/*', capability:<id>."})
    int ask(@Parameters(paramLabel = "INTENT", description = "What to do.") String intent,
            @Option(names = {"-r", "--route"}, paramLabel = "HINT", description = "Route hint.") String route,
            @Option(names = {"-a", "--args"}, paramLabel = "JSON", description = "Extra arguments, a JSON object.") String args,
            @Mixin JsonOption json) {
        AgentAnswer out = root.session.api().agentAsk(intent, route == null ? "" : route, object(args, "--args"));
        if (json.on()) {
            Output.json(root.session.out, out);
        } else {
            printAnswer(out);
        }
        return 0;
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop an agent and forget it.")
    int stop(@Parameters(paramLabel = "ID", description = "Agent id, or a prefix naming one agent.") String id) {
        AgentReport out = root.session.api().agentStop(id);
        root.session.out.println("Stopped " + out.id() + ".");
        return 0;
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Check an agent spec (YAML, 'agent:' root) and add its type to this node.")
    int add(@Parameters(paramLabel = "FILE", description = "The spec file.") Path file) {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (MalformedInputException e) {
            throw new AtmosphereException(file + ": not UTF-8 text.");
        } catch (IOException e) {
            throw new AtmosphereException("Cannot read " + file + ": " + e.getMessage());
        }
        NodeApi api = root.session.api();
        AgentTypeReport t = api.agentAdd(file.getFileName().toString(), yaml);
        root.session.out.println("Added agent type '" + t.type() + "'" + (t.ready() ? "."
                : "; before it can be spawned it needs " + t.missing().orElse(List.of()) + "."));
        return 0;
    }

    private void printAnswer(AgentAnswer a) {
        var out = root.session.out;
        out.println(a.text());
        out.println("(" + a.agent() + " on " + a.node() + ", " + a.steps() + " step" + (a.steps() == 1 ? "" : "s") + stopped(a) + ")");
    }

    private static String stopped(AgentAnswer a) {
        JsonNode stopped = Output.parse(a.result().json()).path("stopped");
        return stopped.isMissingNode() || stopped.isNull() ? "" : ", stopped: " + stopped.asText();
    }

    static JsonText object(String json, String option) {
        if (json == null) {
            return JsonText.EMPTY_OBJECT;
        }
        JsonNode n;
        try {
            n = Output.parse(json);
        } catch (IllegalArgumentException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, option + " is " + e.getMessage());
        }
        if (!n.isObject()) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, option + " must be a JSON object such as {\"zone\":\"porch\"}");
        }
        return new JsonText(n.toString());
    }

    static Map<String, Object> keyValues(List<String> pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String p : pairs == null ? List.<String>of() : pairs) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new CallFailedException(FailureKind.INVALID_REQUEST, "--param must look like key=value, got '" + p + "'");
            }
            String raw = p.substring(eq + 1);
            Object value;
            try {
                value = Output.JSON.convertValue(Output.parse(raw), Object.class);
            } catch (IllegalArgumentException e) {
                value = raw;
            }
            out.put(p.substring(0, eq), value);
        }
        return out;
    }
}
