package farm.llama.atmosphere.spi;

import java.util.List;
import java.util.Objects;

/**
 * Embedding vectors, one per input text, in input order.
 *
 * @param model the model that produced them
 * @param vectors one vector per input; callers must not modify the arrays
 * @param promptTokens tokens consumed, or 0 if the backend does not say
 */
public record Embeddings(String model, List<float[]> vectors, int promptTokens) {

    /** Validates and copies the list (not the arrays). */
    public Embeddings {
        Objects.requireNonNull(model, "model");
        vectors = List.copyOf(vectors);
        if (promptTokens < 0) {
            throw new IllegalArgumentException("promptTokens < 0");
        }
    }
}
