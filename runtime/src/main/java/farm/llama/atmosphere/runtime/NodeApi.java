package farm.llama.atmosphere.runtime;

import java.util.List;
import java.util.Optional;

/**
 * What the CLI can ask of a node. Implemented by {@link Node} in-process (when no node is
 * serving the data dir) and by {@link NodeClient} over the HTTP API (when one is), so every
 * command behaves the same either way.
 */
public interface NodeApi {

    /** @return the node's status */
    StatusReport status();

    /** @return every plugin, including failed ones */
    List<PluginReport> plugins();

    /**
     * @param id plugin id
     * @return its report after enabling; persists
     */
    PluginReport enablePlugin(String id);

    /**
     * @param id plugin id
     * @return its report after disabling; persists
     */
    PluginReport disablePlugin(String id);

    /**
     * @param id a plugin, or empty for all
     * @return every plugin after the reload
     */
    List<PluginReport> reloadPlugins(Optional<String> id);

    /** @return every tool */
    List<ToolReport> tools();

    /**
     * @param name tool name
     * @return the tool
     * @throws farm.llama.atmosphere.spi.CallFailedException NOT_FOUND if there is none
     */
    ToolReport tool(String name);

    /**
     * @param name tool name
     * @param argumentsJson a JSON object
     * @return the result as JSON text
     * @throws farm.llama.atmosphere.spi.CallFailedException on failure, with its kind
     */
    String runTool(String name, String argumentsJson);
}
