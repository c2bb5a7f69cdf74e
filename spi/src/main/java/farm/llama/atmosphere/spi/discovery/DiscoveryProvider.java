package farm.llama.atmosphere.spi.discovery;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Provider;

/**
 * Finds one kind of AI backend (Ollama, OpenAI-compatible servers, LlamaFarm, ...).
 *
 * <p>Found by {@link java.util.ServiceLoader}; stateless, with a public no-argument constructor.
 * The runtime creates one {@link DiscoveryBackend} per provider type; when two providers share a
 * type, the higher {@link #weight()} wins.
 */
public interface DiscoveryProvider extends Provider {

    /**
     * Creates the discovery backend. Must not block on the network: probing happens in
     * {@link DiscoveryBackend#scan()}.
     *
     * @param context the node context; its config is the {@code discovery.<type>} subtree, and
     *                {@code backends} entries of this type are passed through {@link DiscoveryBackend#scan()}
     * @return a new discovery backend, owned by the caller
     */
    DiscoveryBackend create(NodeContext context);
}
