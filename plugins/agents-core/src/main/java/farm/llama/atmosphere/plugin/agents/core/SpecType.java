package farm.llama.atmosphere.plugin.agents.core;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.agent.Agent;
import farm.llama.atmosphere.spi.agent.AgentType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The agent type a YAML spec defines: a tool-calling loop over a routed chat model. */
final class SpecType implements AgentType {

    private final AgentSpec spec;
    private final NodeContext node;

    SpecType(AgentSpec spec, NodeContext node) {
        this.spec = spec;
        this.node = node;
    }

    @Override
    public String name() {
        return spec.type();
    }

    @Override
    public String description() {
        return spec.description();
    }

    @Override
    public List<String> requiredTools() {
        return spec.requiredTools();
    }

    @Override
    public List<String> optionalTools() {
        return spec.optionalTools();
    }

    @Override
    public List<String> triggers() {
        return spec.triggers().stream().map(AgentSpec.Trigger::name).toList();
    }

    @Override
    public boolean needsChatModel() {
        return true;
    }

    @Override
    public Agent spawn(String id, Map<String, Object> params) {
        Map<String, Object> merged = new LinkedHashMap<>(spec.defaultParams());
        merged.putAll(params);
        return new SpecAgent(id, spec, merged, node);
    }
}
