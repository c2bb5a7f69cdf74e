package farm.llama.atmosphere.spi.tool;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Provider;
import java.util.List;

/**
 * Contributes tools. One provider usually contributes a related set (the core tools).
 * Tool names must be unique on the node; on a clash the provider with the higher weight wins and
 * the other tool is reported as shadowed.
 */
public interface ToolProvider extends Provider {

    /**
     * @param context the node context; config is the {@code tools.<type>} subtree
     * @return the tools
     */
    List<Tool> create(NodeContext context);
}
