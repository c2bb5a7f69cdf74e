package farm.llama.atmosphere.runtime.api;

import java.util.List;
import java.util.Objects;

/**
 * A tool as the CLI and API list it.
 *
 * @param name its name
 * @param description what it does
 * @param category its category
 * @param parameters its JSON schema
 * @param permissions permissions a caller needs
 * @param timeout its time limit, ISO-8601
 * @param provider the plugin that contributes it ({@code builtin} for the module path)
 * @param enabled whether it may run (tools that touch files, processes or the network are off until enabled in config)
 */
public record ToolReport(String name, String description, String category, JsonText parameters,
                         List<String> permissions, String timeout, String provider, boolean enabled) {

    /** Validates and copies. */
    public ToolReport {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(parameters, "parameters");
        permissions = List.copyOf(permissions);
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(provider, "provider");
    }
}
