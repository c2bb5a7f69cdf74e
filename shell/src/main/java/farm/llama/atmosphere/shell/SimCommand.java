package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.mesh.Simulator;
import farm.llama.atmosphere.runtime.mesh.swim.SwimConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code atmosphere sim}: the membership protocol over an in-memory network in virtual time. */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = {"Simulate N nodes running the real membership and gossip code over an in-memory network in virtual time,",
                "and report how fast a capability update spreads and how fast killed nodes are detected.",
                "The same seed gives the same report."})
final class SimCommand implements Callable<Integer> {

    @Option(names = {"-n", "--nodes"}, paramLabel = "N", defaultValue = "100", description = "Nodes (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--loss", paramLabel = "P", defaultValue = "0.01", description = "Message loss probability, 0..1 (default ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--latency", paramLabel = "MS", defaultValue = "5", description = "One-way latency in ms, ±20%% (default ${DEFAULT-VALUE}).")
    int latency;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--kills", paramLabel = "K", defaultValue = "3", description = "Nodes killed one after another (default ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--crypto", description = "Seal every message in a signed envelope and verify it (at most 100 nodes).")
    boolean crypto;

    @Option(names = "--unsigned-statements", description = "Membership statements travel without a signature's bytes (to measure what signing costs).")
    boolean unsigned;

    @Mixin
    JsonOption json;

    @picocli.CommandLine.ParentCommand
    RootCommand root;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() {
        Simulator.Options options;
        try {
            options = new Simulator.Options(nodes, loss, latency, seed, Math.min(kills, nodes - 1), SwimConfig.lan(), crypto, !unsigned);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
        }
        Map<String, Object> r = new Simulator(options).run();
        var out = root.session.out;
        if (json.on()) {
            Output.json(out, r);
            return 0;
        }
        Map<String, Object> u = (Map<String, Object>) r.get("capabilityUpdate");
        out.println("Simulated " + nodes + (crypto ? " signing" : "") + " nodes for " + r.get("virtualSeconds") + " s of virtual time (loss " + loss
                + ", latency " + latency + " ms, seed " + seed + ", probe 1 s, gossip 200 ms)");
        out.println("  capability update: 99% of nodes in " + ms(u.get("p99Ms")) + ", all (" + u.get("reached") + ") in " + ms(u.get("allMs")));
        for (Map<String, Object> k : (List<Map<String, Object>>) r.get("kills")) {
            out.println("  killed " + k.get("node") + ": first suspected after " + ms(k.get("firstSuspicionMs"))
                    + ", dead at every node after " + ms(k.get("deadEverywhereMs")));
        }
        out.println("  false deaths: " + r.get("falseDeaths") + "; messages per node per second: " + r.get("messagesPerNodePerSecond")
                + ", " + r.get("payloadBytesPerMessage") + " bytes of payload each");
        out.println("  " + r.get("signer"));
        return 0;
    }

    private static String ms(Object v) {
        return v == null ? "never" : v + " ms";
    }
}
