/**
 * The all-MiniLM-L6-v2 sentence embedder (quantized) on ONNX Runtime, fully offline. Loaded as
 * a PF4J plugin zip whose {@code lib/} carries ONNX Runtime.
 */
module farm.llama.atmosphere.plugin.embedder.minilm {
    requires farm.llama.atmosphere.spi;
    requires com.microsoft.onnxruntime;

    provides farm.llama.atmosphere.spi.routing.EmbedderProvider
            with farm.llama.atmosphere.plugin.embedder.minilm.MiniLmEmbedderProvider;
}
