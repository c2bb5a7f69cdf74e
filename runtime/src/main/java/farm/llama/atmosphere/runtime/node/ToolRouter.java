package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.api.ToolReport;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.MeshService;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.tools.ToolGrants;
import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs a tool here, or — when this node has no tool of that name — on the member that offers it,
 * the cheapest first, moving on past members that refuse or cannot be reached (they ran nothing).
 */
public final class ToolRouter {

    private final Supplier<ToolRegistry> tools;
    private final MeshService mesh;
    private final ToolGrants grants;
    private final RouterService router;
    private final String nodeId;
    private final Consumer<NodeEvent> events;

    /**
     * @param tools this node's tools (rebuilt when plugins change)
     * @param mesh the mesh, for members' tools
     * @param grants what each caller may do here
     * @param router decides which member is cheapest
     * @param nodeId this node
     * @param events where {@code tool.ran} goes
     */
    public ToolRouter(Supplier<ToolRegistry> tools, MeshService mesh, ToolGrants grants, RouterService router, String nodeId,
                      Consumer<NodeEvent> events) {
        this.tools = tools;
        this.mesh = mesh;
        this.grants = grants;
        this.router = router;
        this.nodeId = nodeId;
        this.events = events;
    }

    /**
     * @param family {@code tool} or {@code agent}
     * @return members' live capabilities of that family
     */
    public List<Capability> remoteOf(String family) {
        List<Capability> out = new ArrayList<>();
        for (var b : mesh.remoteBackends()) {
            for (Capability c : b.capabilities()) {
                if (c.family().equals(family)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /**
     * Runs a tool on a named node.
     *
     * @param target a node id (this node's runs it here)
     * @param toolName the tool
     * @param argumentsJson its arguments
     * @param caller who asks
     * @return the tool's result
     */
    public String runOn(String target, String toolName, String argumentsJson, Caller caller) {
        if (target.equals(nodeId)) {
            return tools.get().run(toolName, argumentsJson, caller);
        }
        if (!Identity.isNodeId(target)) {
            throw new AtmosphereException("A node id is 16 hex characters, got '" + target + "'.");
        }
        // this node is a party to the call too: its caller must hold here what the tool needs (as the member says)
        List<String> needs = remoteOf("tool").stream().filter(c -> c.nodeId().equals(target) && c.name().equals(toolName))
                .flatMap(c -> Arrays.stream(c.metadata().getOrDefault("permissions", "").split(",")))
                .map(String::strip).filter(p -> !p.isEmpty()).distinct().toList();
        grants.missing(caller, needs).ifPresent(m -> {
            throw new CallFailedException(FailureKind.REFUSED, "Tool '" + toolName + "' (on member " + target + ") needs " + m.explain(caller));
        });
        return mesh.calls().runTool(target, toolName, argumentsJson, caller);
    }

    /**
     * @param toolName the tool
     * @param argumentsJson its arguments
     * @param caller who asks
     * @return the tool's result, from here or from a member
     * @throws CallFailedException NOT_FOUND when nobody offers it, REFUSED when the caller lacks a grant here, or what the member said
     */
    public String run(String toolName, String argumentsJson, Caller caller) {
        ToolRegistry here = tools.get();
        if (here.find(toolName).isPresent()) {
            String result = here.run(toolName, argumentsJson, caller);
            events.accept(new NodeEvent("tool.ran", Instant.now(), Map.of("tool", toolName, "caller", caller.toString())));
            return result;
        }
        List<Capability> offered = remoteOf("tool").stream().filter(c -> c.name().equals(toolName)).toList();
        if (offered.isEmpty()) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "No tool named '" + toolName + "' here or on a live member."
                    + " Tools here: " + String.join(", ", here.list().stream().map(ToolReport::name).toList()) + ".");
        }
        // this node is a party to the call too: its caller must hold here what the tool needs (as its members say)
        List<String> needs = offered.stream().flatMap(c -> Arrays.stream(c.metadata().getOrDefault("permissions", "").split(",")))
                .map(String::strip).filter(p -> !p.isEmpty()).distinct().toList();
        grants.missing(caller, needs).ifPresent(m -> {
            throw new CallFailedException(FailureKind.REFUSED, "Tool '" + toolName + "' (on another member) needs " + m.explain(caller));
        });
        // the cheapest member first; one that refuses (no grant for this node) or cannot be reached ran
        // nothing, so the next is asked
        var decision = router.decide(new RouteQuery(toolName, Set.of("tool/" + toolName), Optional.empty()));
        LinkedHashSet<String> owners = new LinkedHashSet<>();
        decision.winner().ifPresent(w -> owners.add(w.capability().nodeId()));
        decision.runnersUp().forEach(r -> owners.add(r.capability().nodeId()));
        offered.forEach(c -> owners.add(c.nodeId()));
        owners.remove(nodeId);
        List<String> refusals = new ArrayList<>();
        CallFailedException last = null;
        for (String owner : owners) {
            try {
                String result = mesh.calls().runTool(owner, toolName, argumentsJson, caller);
                events.accept(new NodeEvent("tool.ran", Instant.now(), Map.of("tool", toolName, "caller", caller.toString(), "node", owner)));
                return result;
            } catch (CallFailedException e) {
                if (e.kind() != FailureKind.REFUSED && e.kind() != FailureKind.UNREACHABLE) {
                    throw e; // it may have run: do not run it twice
                }
                last = e;
                refusals.add(e.getMessage());
            }
        }
        throw new CallFailedException(last.kind(), owners.size() == 1 ? last.getMessage()
                : "Every member offering '" + toolName + "' refused or could not be reached: " + String.join(" | ", refusals));
    }
}
