package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.api.CostReport;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere cost} and {@code cost estimate "INTENT"}. */
@Command(name = "cost", mixinStandardHelpOptions = true,
        description = "Show this node's cost factors (power, CPU, memory, network), or estimate a request's candidates.")
final class CostCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        CostReport cost = root.session.api().cost();
        if (json.on()) {
            Output.json(root.session.out, cost);
            return 0;
        }
        var out = root.session.out;
        out.println("Cost factors of node " + cost.nodeId());
        out.println("  battery:  " + (cost.onBattery() ? "on battery, " + cost.batteryPercent() + "%" : "plugged in or none"));
        out.println("  CPU load: " + cost.cpuLoadPerCore() + " per core");
        out.println("  memory:   " + cost.memoryUsedPercent() + "% used");
        out.println("  metered:  " + cost.metered());
        out.println("  multipliers: " + cost.multipliers() + " -> overall " + cost.overall());
        return 0;
    }

    @Command(name = "estimate", mixinStandardHelpOptions = true, description = "Every candidate for a request, with its cost breakdown.")
    int estimate(@Parameters(paramLabel = "INTENT", arity = "1..*", description = "What the request is about.") List<String> intent,
                 @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "A model name instead of routing by meaning.") String model,
                 @Mixin JsonOption asJson) {
        RouteDecision d = root.session.api().route(String.join(" ", intent), Optional.ofNullable(model), false);
        if (asJson.on()) {
            Output.json(root.session.out, d);
            return 0;
        }
        List<ScoredCandidate> all = new ArrayList<>();
        d.winner().ifPresent(all::add);
        all.addAll(d.runnersUp());
        if (all.isEmpty()) {
            root.session.out.println("No candidate: " + d.reason());
            return 1;
        }
        List<List<String>> rows = new ArrayList<>();
        for (ScoredCandidate c : all) {
            rows.add(List.of(c.capability().name(), String.valueOf(c.score()), String.valueOf(c.similarity()),
                    String.valueOf(c.cost()), RouteCommand.terms(c.costTerms())));
        }
        Output.table(root.session.out, List.of("MODEL", "SCORE", "SIMILARITY", "COST", "TERMS"), rows);
        return 0;
    }
}
