package farm.llama.atmosphere.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * A chat completion request, carried as the JSON body of OpenAI's
 * {@code POST /v1/chat/completions} ({@code messages}, {@code tools}, {@code temperature},
 * {@code max_tokens}, {@code stop}, ...). A backend translates it to its own protocol and passes
 * through what it understands.
 *
 * @param model the backend's model name to run; for routed calls, {@code auto} routes by meaning
 * @param json the OpenAI-format request body as JSON text; its own {@code model} and {@code stream}
 *             fields are ignored in favour of {@link #model()} and streaming by {@link java.util.concurrent.Flow}
 * @param timeout how long the call may take to produce its first chunk
 */
public record ChatRequest(String model, String json, Duration timeout) {

    /**
     * The request field ({@code true}) that asks for the last message, an assistant's, to be
     * continued rather than answered: vLLM's name for it, which llama.cpp's server reads too. The
     * router sends such a request only to capabilities whose metadata has {@link
     * farm.llama.atmosphere.spi.discovery.Capability#CONTINUES}; each client says it the way its
     * backend understands.
     */
    public static final String CONTINUE_FINAL_MESSAGE = "continue_final_message";

    /** Default time to the first chunk. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    /** Validates. */
    public ChatRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    /**
     * @param model model name or {@code auto}
     * @param json OpenAI-format request body
     */
    public ChatRequest(String model, String json) {
        this(model, json, DEFAULT_TIMEOUT);
    }
}
