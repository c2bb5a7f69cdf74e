package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;

/** The built-in lexical embedder. Low weight: any model embedder that is installed wins. */
public final class LexicalEmbedderProvider implements EmbedderProvider {

    /** Found by ServiceLoader. */
    public LexicalEmbedderProvider() {
    }

    @Override
    public String type() {
        return "lexical";
    }

    @Override
    public int weight() {
        return 10;
    }

    @Override
    public Embedder create(NodeContext context) {
        return new LexicalEmbedder();
    }
}
