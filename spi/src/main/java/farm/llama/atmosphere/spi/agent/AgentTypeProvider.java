package farm.llama.atmosphere.spi.agent;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Provider;
import java.util.List;
import java.util.Optional;

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

    /**
     * Defines a type from a file the owner keeps in the node's {@code agents/} folder, or adds
     * with {@code atmosphere agent add} (since 0.2). The node keeps the files; it offers each one
     * to its providers, highest weight first, until one takes it. A type defined so replaces one
     * of the same name from {@link #create}.
     *
     * @param context the node context, as given to {@link #create}
     * @param fileName the file's name ({@code my-agent.yaml})
     * @param text its content
     * @return the type, or empty when this provider does not read files of this kind
     * @throws farm.llama.atmosphere.spi.AtmosphereException when it reads files of this kind but
     *         this one is wrong: the message names each problem on its own line, with the line of the file
     */
    default Optional<AgentType> define(NodeContext context, String fileName, String text) {
        return Optional.empty();
    }
}
