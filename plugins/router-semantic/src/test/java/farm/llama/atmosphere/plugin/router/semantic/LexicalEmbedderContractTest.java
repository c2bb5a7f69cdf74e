package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.contract.EmbedderContract;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;

/** The lexical embedder keeps the embedder contract. */
class LexicalEmbedderContractTest extends EmbedderContract {

    @Override
    protected EmbedderProvider provider() {
        return new LexicalEmbedderProvider();
    }
}
