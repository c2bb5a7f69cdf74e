package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.routing.Embedder;

/**
 * For routing only: a model embedder and the lexical embedder side by side. The vector is both
 * normalised vectors concatenated and scaled by 1/√2, so a dot product is the mean of the two
 * cosines — meaning from the model, exact terms (names, languages, domains) from the lexicon, as
 * hybrid dense + sparse retrieval does. {@code /v1/embeddings} still returns the model's vectors.
 * Thread-safe; closing it closes neither part (the node owns them).
 */
final class HybridEmbedder implements Embedder {

    static final float SCALE = (float) (1 / Math.sqrt(2));

    private final Embedder model;
    private final Embedder lexical;

    HybridEmbedder(Embedder model, Embedder lexical) {
        this.model = model;
        this.lexical = lexical;
    }

    @Override
    public String id() {
        return model.id() + "+" + lexical.id();
    }

    @Override
    public int dimensions() {
        return model.dimensions() + lexical.dimensions();
    }

    @Override
    public float[] embed(String text) {
        float[] a = model.embed(text);
        float[] b = lexical.embed(text);
        float[] v = new float[a.length + b.length];
        for (int i = 0; i < a.length; i++) {
            v[i] = a[i] * SCALE;
        }
        for (int i = 0; i < b.length; i++) {
            v[a.length + i] = b[i] * SCALE;
        }
        return v;
    }

    @Override
    public void close() {
        // the parts belong to the node
    }
}
