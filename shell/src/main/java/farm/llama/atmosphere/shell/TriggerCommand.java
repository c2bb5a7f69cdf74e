package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.api.AgentAnswer;
import farm.llama.atmosphere.runtime.api.TriggerFired;
import farm.llama.atmosphere.runtime.api.TriggerReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere trigger list|fire}: the push direction, events that become intents. */
@Command(name = "trigger", mixinStandardHelpOptions = true,
        description = {"Triggers turn a capability's events into intents for agents (the 'triggers' section of config.yaml).",
                "Sensors and plugins fire them with POST /api/v1/triggers/{capability}/{event}."})
final class TriggerCommand {

    @ParentCommand
    RootCommand root;

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The triggers defined, with their counts.")
    int list(@Mixin JsonOption json) {
        List<TriggerReport> triggers = root.session.api().triggers();
        if (json.on()) {
            Output.json(root.session.out, Map.of("triggers", triggers));
            return 0;
        }
        if (triggers.isEmpty()) {
            root.session.out.println("No triggers. Define them under 'triggers:' in config.yaml (see the README).");
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (TriggerReport t : triggers) {
            rows.add(List.of(t.capability() + "/" + t.event(), t.route(), t.throttle(), t.priority(), String.valueOf(t.counts()), t.intent()));
        }
        Output.table(root.session.out, List.of("TRIGGER", "ROUTE", "THROTTLE", "PRIORITY", "COUNTS", "INTENT"), rows);
        return 0;
    }

    @Command(name = "fire", mixinStandardHelpOptions = true, description = "Fire a trigger, as a sensor or plugin would.")
    int fire(@Parameters(index = "0", paramLabel = "CAPABILITY", description = "Who fires.") String capability,
             @Parameters(index = "1", paramLabel = "EVENT", description = "What happened.") String event,
             @Option(names = {"-p", "--payload"}, paramLabel = "JSON", description = "The event's data, a JSON object.") String payload,
             @Option(names = "--wait", description = "Wait for the agent's answer.") boolean wait,
             @Mixin JsonOption json) {
        TriggerFired out = root.session.api().fireTrigger(capability, event, AgentCommand.object(payload, "--payload"), wait);
        if (json.on()) {
            Output.json(root.session.out, out);
            return 0;
        }
        root.session.out.println("Intent: " + out.intent() + " (" + out.priority() + ")");
        if (out.answer().isPresent()) {
            AgentAnswer a = out.answer().get();
            root.session.out.println(a.text());
            root.session.out.println("(" + a.agent() + " on " + a.node() + ")");
        } else {
            root.session.out.println("Queued as " + out.id() + "; 'atmosphere trigger list' counts what happened.");
        }
        return 0;
    }
}
