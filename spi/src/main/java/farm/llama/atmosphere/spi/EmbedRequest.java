package farm.llama.atmosphere.spi;

import java.util.List;
import java.util.Objects;

/**
 * A request for embedding vectors.
 *
 * @param model the model to use; for routed calls, {@code auto} lets the router choose
 * @param input the texts, at least one
 */
public record EmbedRequest(String model, List<String> input) {

    /** Validates and copies. */
    public EmbedRequest {
        Objects.requireNonNull(model, "model");
        input = List.copyOf(input);
        if (input.isEmpty()) {
            throw new IllegalArgumentException("input must hold at least one text");
        }
    }
}
