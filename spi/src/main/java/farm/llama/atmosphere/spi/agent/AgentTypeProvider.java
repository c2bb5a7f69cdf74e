package farm.llama.atmosphere.spi.agent;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Provider;
import java.util.List;

/**
 * Contributes agent types that can be spawned and sent intents. One provider may contribute
 * several types (for example one per YAML agent spec it ships).
 */
public interface AgentTypeProvider extends Provider {

    /**
     * @param context the node context; config is the {@code agents.<type>} subtree
     * @return the agent types, each with a name unique on the node
     */
    List<AgentType> create(NodeContext context);
}
