package farm.llama.atmosphere.runtime.agents;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Which agent type an intent goes to, here or on a live member: the one a hint names
 * ({@code capability:<node>/agent/<type>}), else among those a glob hint ({@code agent/notif*})
 * leaves — or all — the one the router finds closest in meaning (no router is asked when only one fits).
 */
final class AgentPicker {

    private static final System.Logger LOG = System.getLogger(AgentPicker.class.getName());

    private final String nodeId;
    private final Supplier<List<Capability>> local;
    private final Workbench bench;

    AgentPicker(String nodeId, Supplier<List<Capability>> local, Workbench bench) {
        this.nodeId = nodeId;
        this.local = local;
        this.bench = bench;
    }

    /**
     * @param intent what to do
     * @param hint a route hint or empty
     * @param excluded types not to consider
     * @return the agent capability the intent goes to
     * @throws CallFailedException NOT_FOUND when nothing matches
     */
    Capability pick(String intent, String hint, Set<String> excluded) {
        List<Capability> all = new ArrayList<>(local.get());
        try {
            all.addAll(bench.remoteAgents());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "members' agents unknown: " + e.getMessage());
        }
        all.removeIf(c -> excluded.contains(c.name()));
        String h = hint == null ? "" : hint.strip();
        if (h.startsWith("capability:")) {
            String id = h.substring("capability:".length());
            return all.stream().filter(c -> c.id().equals(id) && c.nodeId().equals(nodeId)).findFirst()
                    .or(() -> all.stream().filter(c -> c.id().equals(id) || c.id().endsWith("/" + id)).findFirst())
                    .orElseThrow(() -> new CallFailedException(FailureKind.NOT_FOUND, "No agent capability '" + id
                            + "' here or on a live member. Agent capabilities: " + ids(all) + "."));
        }
        Set<String> needs = new LinkedHashSet<>();
        Pattern glob = h.isEmpty() ? null : glob(h);
        for (Capability c : all) {
            if (glob == null || glob.matcher(c.type()).matches()) {
                needs.add(c.type());
            }
        }
        if (needs.isEmpty()) {
            throw new CallFailedException(FailureKind.NOT_FOUND, (h.isEmpty() ? "No agent type" : "No agent matches '" + h + "'")
                    + " here or on a live member. Agent capabilities: " + ids(all) + ".");
        }
        List<Capability> fitting = all.stream().filter(c -> needs.contains(c.type())).toList();
        if (fitting.size() == 1) {
            return fitting.get(0); // nothing to choose between: no router needed
        }
        RouteDecision d = bench.decide(new RouteQuery(intent, needs, Optional.empty()));
        return d.winner().map(w -> w.capability()).orElseThrow(() -> new CallFailedException(FailureKind.NOT_FOUND,
                "No agent can take this intent: " + d.reason()));
    }

    private static String ids(List<Capability> all) {
        return all.isEmpty() ? "none" : String.join(", ", all.stream().map(c -> c.nodeId() + ":" + c.type()).distinct().toList());
    }

    static Pattern glob(String hint) {
        StringBuilder re = new StringBuilder();
        for (char ch : hint.toCharArray()) {
            re.append(ch == '*' ? ".*" : ch == '?' ? "." : Pattern.quote(String.valueOf(ch)));
        }
        return Pattern.compile(re.toString());
    }
}
