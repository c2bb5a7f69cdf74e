package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.RouteFeedback;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import farm.llama.atmosphere.spi.routing.TaskMatch;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere route "INTENT"}: where a request would go, and why. Executes nothing. */
@Command(name = "route", mixinStandardHelpOptions = true, subcommands = RouteCommand.Feedback.class,
        description = {"Explain where a request would go: the task it belongs to, the winner, its similarity and each cost term,"
                + " and the runners-up.", "'route feedback INTENT --task TASK' teaches the router when a request went to the wrong kind of model."})
final class RouteCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Parameters(paramLabel = "INTENT", arity = "0..*", description = "What the request is about.")
    List<String> intent;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "Route to a model by name instead of by meaning.")
    String model;

    @Option(names = "--vision", description = "The request carries an image.")
    boolean vision;

    @Option(names = "--explain", description = "Also show how the intent matched each task and the examples that decided.")
    boolean explain;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        if (intent == null || intent.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Missing required parameter: 'INTENT' (what the request is about), e.g. atmosphere route \"fix my Python stack trace\"");
        }
        RouteDecision d = root.session.api().route(String.join(" ", intent), Optional.ofNullable(model), vision);
        if (json.on()) {
            Output.json(root.session.out, d);
            return d.winner().isPresent() ? 0 : 1;
        }
        print(root.session.out, d);
        if (explain) {
            explainTasks(root.session.out, d);
        }
        return d.winner().isPresent() ? 0 : 1;
    }

    static void explainTasks(PrintWriter out, RouteDecision d) {
        if (d.tasks().isEmpty()) {
            out.println("Tasks: not routed by example (a named model, no chat model, or the router's examples are still being embedded)");
            return;
        }
        out.println("Tasks (nearest examples decide; best first):");
        for (TaskMatch t : d.tasks()) {
            out.printf("  %-12s %.3f  %s%n", t.task(), t.score(), String.join(" | ", t.examples()));
        }
    }

    /** {@code atmosphere route feedback "INTENT" --task TASK}. */
    @Command(name = "feedback", mixinStandardHelpOptions = true,
            description = "Teach the router: this intent belongs to TASK (it went to the wrong kind of model). It becomes one of this node's"
                    + " examples of TASK (kept in route-examples.json) and routes by it at once.")
    static final class Feedback implements Callable<Integer> {

        @ParentCommand
        RouteCommand parent;

        @Parameters(paramLabel = "INTENT", arity = "1..*", description = "The request that went to the wrong model.")
        List<String> intent;

        @Option(names = {"-t", "--task"}, required = true, paramLabel = "TASK",
                description = "The task it belongs to: chat, code, reasoning, math, translation, vision or embed (or a type such as llm/code).")
        String task;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            RouteFeedback f = parent.root.session.api().routeFeedback(String.join(" ", intent), task);
            if (json.on()) {
                Output.json(parent.root.session.out, f);
                return 0;
            }
            PrintWriter out = parent.root.session.out;
            out.println("Learned: \"" + f.intent() + "\" is " + f.task() + " (" + f.learned() + " example" + (f.learned() == 1 ? "" : "s")
                    + " of " + f.task() + " learned on this node).");
            out.println("Now:");
            print(out, f.decision());
            return 0;
        }
    }

    static void print(PrintWriter out, RouteDecision d) {
        if (d.winner().isEmpty()) {
            out.println("No route: " + d.reason());
            return;
        }
        ScoredCandidate w = d.winner().get();
        out.println("Route: " + w.capability().nodeId() + "/" + w.capability().metadata().getOrDefault("backend", "?")
                + "/" + w.capability().name() + "  (" + w.capability().type() + ")");
        out.println("  " + d.reason());
        out.println("  score " + w.score() + " = similarity " + w.similarity() + " / cost " + w.cost());
        out.println("  cost terms: " + terms(w.costTerms()));
        if (!d.runnersUp().isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (ScoredCandidate r : d.runnersUp()) {
                rows.add(List.of(r.capability().name(), r.capability().type(), String.valueOf(r.score()),
                        String.valueOf(r.similarity()), String.valueOf(r.cost()), r.capability().metadata().getOrDefault("backend", "?")));
            }
            out.println("Runners-up:");
            Output.table(out, List.of("  MODEL", "TYPE", "SCORE", "SIMILARITY", "COST", "BACKEND"),
                    rows.stream().map(r -> { List<String> x = new ArrayList<>(r); x.set(0, "  " + x.get(0)); return x; }).toList());
        }
    }

    static String terms(Map<String, Double> t) {
        StringBuilder sb = new StringBuilder();
        t.forEach((k, v) -> sb.append(k).append(' ').append(v).append("  "));
        return sb.toString().trim();
    }
}
