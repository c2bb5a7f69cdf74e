package farm.llama.atmosphere.plugin.agents.core;

import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.agent.AgentType;
import farm.llama.atmosphere.spi.agent.AgentTypeProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The core agent types: echo, notifier and forwarder, the shipped YAML specs (research, anomaly,
 * notification, orchestrator, vision, learning, provisioning), and the owner's specs from the
 * node's {@code agents/} folder.
 */
public final class CoreAgentsProvider implements AgentTypeProvider {

    /** The YAML specs shipped with the plugin (resources next to this class). */
    static final List<String> SHIPPED_SPECS = List.of("research", "anomaly", "notification", "orchestrator", "vision",
            "learning", "provisioning");

    /** Found by ServiceLoader. */
    public CoreAgentsProvider() {
    }

    @Override
    public String type() {
        return "core";
    }

    @Override
    public List<AgentType> create(NodeContext context) {
        List<AgentType> out = new ArrayList<>(BuiltIns.types(context));
        for (String name : SHIPPED_SPECS) {
            try (InputStream in = CoreAgentsProvider.class.getResourceAsStream(name + ".yaml")) {
                if (in == null) {
                    throw new AtmosphereException("The shipped agent spec " + name + ".yaml is missing from the agents-core plugin.");
                }
                out.add(new SpecType(AgentSpec.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "shipped " + name + ".yaml"),
                        context));
            } catch (IOException e) {
                throw new AtmosphereException("Cannot read the shipped agent spec " + name + ".yaml: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Reads {@code *.yaml} and {@code *.yml} agent specs. */
    @Override
    public Optional<AgentType> define(NodeContext context, String fileName, String text) {
        if (!fileName.endsWith(".yaml") && !fileName.endsWith(".yml")) {
            return Optional.empty();
        }
        return Optional.of(new SpecType(AgentSpec.parse(text, fileName), context));
    }
}
