package farm.llama.atmosphere.plugin.embedder.minilm;

import farm.llama.atmosphere.spi.contract.EmbedderContract;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;

/** The MiniLM embedder keeps the embedder contract. */
class MiniLmContractTest extends EmbedderContract {

    @Override
    protected EmbedderProvider provider() {
        return new MiniLmEmbedderProvider();
    }
}
