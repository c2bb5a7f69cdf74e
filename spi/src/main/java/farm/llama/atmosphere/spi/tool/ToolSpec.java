package farm.llama.atmosphere.spi.tool;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Describes a tool.
 *
 * @param name unique name: lower-case letters, digits, {@code _} and {@code -}
 * @param description what it does, for people and for models choosing tools
 * @param category a grouping ({@code core}, {@code storage}, {@code system}, ...)
 * @param parametersSchema a JSON-schema object (as JSON text) for the arguments
 * @param permissions permissions the caller must hold, colon-segmented ({@code storage:write})
 * @param timeout the longest it may run
 * @param touchesOutside whether it reaches files, processes or the network; such tools stay off
 *                       until the owner enables them in config
 */
public record ToolSpec(String name, String description, String category, String parametersSchema,
                       List<String> permissions, Duration timeout, boolean touchesOutside) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

    /** Validates and copies. */
    public ToolSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(parametersSchema, "parametersSchema");
        permissions = List.copyOf(permissions);
        Objects.requireNonNull(timeout, "timeout");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("tool name must match " + NAME + ": " + name);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }
}
