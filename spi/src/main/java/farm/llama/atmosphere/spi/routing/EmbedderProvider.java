package farm.llama.atmosphere.spi.routing;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Provider;

/**
 * Makes an {@link Embedder}. The node uses the available embedder with the highest
 * {@link #weight()} unless {@code routing.embedder} in config names a type. The built-in lexical
 * embedder has a low weight so that any real model embedder wins when installed.
 */
public interface EmbedderProvider extends Provider {

    /**
     * Creates the embedder. May load a model; should finish in a few seconds.
     *
     * @param context the node context; config is the {@code embedder.<type>} subtree
     * @return a new embedder, owned by the caller
     * @throws farm.llama.atmosphere.spi.AtmosphereException if it cannot run here (missing native
     *         library, corrupt model); the node then falls back to the next embedder
     */
    Embedder create(NodeContext context);
}
