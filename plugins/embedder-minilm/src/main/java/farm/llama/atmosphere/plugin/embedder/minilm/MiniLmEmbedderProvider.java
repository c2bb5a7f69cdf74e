package farm.llama.atmosphere.plugin.embedder.minilm;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;

/** all-MiniLM-L6-v2 on ONNX Runtime, loaded in the background. Weighs more than the built-in lexical embedder, so it wins when installed. */
public final class MiniLmEmbedderProvider implements EmbedderProvider {

    /** Found by ServiceLoader. */
    public MiniLmEmbedderProvider() {
    }

    @Override
    public String type() {
        return "minilm";
    }

    @Override
    public int weight() {
        return 200;
    }

    @Override
    public Embedder create(NodeContext context) {
        return new LoadingEmbedder();
    }
}
