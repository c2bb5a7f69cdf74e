package farm.llama.atmosphere.spi.tool;

import java.util.Objects;

/**
 * One invocation of a tool.
 *
 * @param argumentsJson the arguments as a JSON object, already validated against the schema
 * @param caller who is calling: {@code local} for this node's owner, {@code trigger} for one of its
 *               triggers, otherwise the verified node id of the member that sent the call
 */
public record ToolCall(String argumentsJson, String caller) {

    /** Validates. */
    public ToolCall {
        Objects.requireNonNull(argumentsJson, "argumentsJson");
        Objects.requireNonNull(caller, "caller");
    }
}
