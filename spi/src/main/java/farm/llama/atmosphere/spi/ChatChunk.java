package farm.llama.atmosphere.spi;

import java.util.Objects;

/**
 * One piece of a streamed chat completion: the JSON of an OpenAI {@code chat.completion.chunk}
 * object ({@code choices[].delta}, and on the last chunk {@code finish_reason} and, when the
 * backend reports it, {@code usage}).
 *
 * @param json the chunk as JSON text
 * @param last whether this chunk ends the answer (it carries a {@code finish_reason}); a usage-only
 *             chunk may still follow it. The stream itself ends with {@code onComplete}.
 */
public record ChatChunk(String json, boolean last) {

    /** Validates. */
    public ChatChunk {
        Objects.requireNonNull(json, "json");
    }
}
