package farm.llama.atmosphere.spi.transport;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Provider;

/**
 * Makes a {@link Transport}: a way to carry signed mesh frames between nodes (WebSocket with
 * mutual TLS, a relay, in-memory for tests). The node may use several transports at once and
 * picks the best working one per peer, by weight; {@code mesh.transports} in config can
 * restrict the choice.
 */
public interface TransportProvider extends Provider {

    /**
     * @param context the node context; config is the {@code transport.<type>} subtree
     * @return a new, not yet started transport, owned by the caller
     */
    Transport create(NodeContext context);
}
