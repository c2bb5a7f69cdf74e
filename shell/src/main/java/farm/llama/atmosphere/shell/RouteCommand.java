package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
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
@Command(name = "route", mixinStandardHelpOptions = true,
        description = "Explain where a request would go: the winner, its similarity and each cost term, and the runners-up.")
final class RouteCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Parameters(paramLabel = "INTENT", arity = "1..*", description = "What the request is about.")
    List<String> intent;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "Route to a model by name instead of by meaning.")
    String model;

    @Option(names = "--vision", description = "The request carries an image.")
    boolean vision;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        RouteDecision d = root.session.api().route(String.join(" ", intent), Optional.ofNullable(model), vision);
        if (json.on()) {
            Output.json(root.session.out, d);
            return d.winner().isPresent() ? 0 : 1;
        }
        print(root.session.out, d);
        return d.winner().isPresent() ? 0 : 1;
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
