package farm.llama.atmosphere.spi.tool;

/**
 * A callable tool with a JSON-schema for its parameters.
 *
 * <p>Thread-safe; {@link #invoke} is called concurrently. The node validates arguments against
 * {@link ToolSpec#parametersSchema()}, checks the caller's permissions against
 * {@link ToolSpec#permissions()} and enforces {@link ToolSpec#timeout()} before and around
 * {@code invoke}, so implementations may trust the shape of their arguments.
 */
public interface Tool {

    /** @return the tool's description */
    ToolSpec spec();

    /**
     * Runs the tool.
     *
     * @param call the validated arguments and who is calling
     * @return the result
     * @throws farm.llama.atmosphere.spi.CallFailedException with kind {@code INVALID_REQUEST} for
     *         arguments that are well-formed but unacceptable, {@code NOT_FOUND}, {@code INTERNAL}, ...
     */
    ToolResult invoke(ToolCall call);
}
