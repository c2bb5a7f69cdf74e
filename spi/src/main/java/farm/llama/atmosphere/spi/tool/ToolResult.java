package farm.llama.atmosphere.spi.tool;

import java.util.Objects;

/**
 * What a tool returned.
 *
 * @param json the result as JSON text (any JSON value)
 */
public record ToolResult(String json) {

    /** Validates. */
    public ToolResult {
        Objects.requireNonNull(json, "json");
    }
}
