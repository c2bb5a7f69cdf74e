package farm.llama.atmosphere.spi.routing;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns text into a vector whose cosine similarity to other vectors of the same embedder
 * measures closeness in meaning.
 *
 * <p>Thread-safe. Vectors are L2-normalised and have {@link #dimensions()} entries. After
 * {@link #close()}, calls throw {@link IllegalStateException}.
 */
public interface Embedder extends AutoCloseable {

    /** @return identifies the embedder and its model, for caches keyed by content hash ({@code lexical-v1}, {@code minilm-l6-v2-q}) */
    String id();

    /** @return the vector length */
    int dimensions();

    /**
     * @param text any text, possibly empty
     * @return a normalised vector; the caller must not modify it
     */
    float[] embed(String text);

    /**
     * @param texts texts to embed
     * @return one vector per text, in order; implementations may batch
     */
    default List<float[]> embedAll(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (String text : texts) {
            out.add(embed(text));
        }
        return out;
    }

    /** Releases the model. Idempotent. */
    @Override
    void close();
}
