package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.agents.AgentService;
import farm.llama.atmosphere.runtime.api.ToolReport;
import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** This node's workloads as capabilities the router and the mesh see: {@code tool/<name>} for each enabled tool, {@code agent/<type>} for each agent type. */
public final class Workloads implements Supplier<List<Capability>> {

    private final Supplier<ToolRegistry> tools;
    private final Supplier<AgentService> agents;
    private final String nodeId;

    /**
     * @param tools this node's tools (rebuilt when plugins change)
     * @param agents the agent service, once wired (null before)
     * @param nodeId this node
     */
    public Workloads(Supplier<ToolRegistry> tools, Supplier<AgentService> agents, String nodeId) {
        this.tools = tools;
        this.agents = agents;
        this.nodeId = nodeId;
    }

    /**
     * @param backends this node's backends' capabilities
     * @return what this node shares with the mesh: those, its tools and its agent types
     */
    public List<Capability> with(List<Capability> backends) {
        List<Capability> out = new ArrayList<>(backends);
        out.addAll(get());
        return out;
    }

    @Override
    public List<Capability> get() {
        List<Capability> out = new ArrayList<>();
        for (ToolReport t : tools.get().list()) {
            if (!t.enabled()) {
                continue;
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("backend", "tools");
            meta.put("category", t.category());
            meta.put("parameters", t.parameters().json());
            meta.put("permissions", String.join(",", t.permissions()));
            out.add(new Capability("tool/" + t.name(), nodeId, "tool/" + t.name(), t.name(), t.description(), List.of(),
                    List.of("tool", t.category()), "local", meta));
        }
        AgentService a = agents.get();
        if (a != null) {
            out.addAll(a.capabilities());
        }
        return out;
    }
}
