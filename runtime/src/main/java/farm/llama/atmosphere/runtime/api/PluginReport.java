package farm.llama.atmosphere.runtime.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the node knows about one plugin.
 *
 * @param id the plugin id (for a file that could not even be read: its file name)
 * @param version its version, or {@code ""} if unknown
 * @param description its description, or {@code ""}
 * @param state {@code started}, {@code disabled} (by the owner), {@code failed}, {@code resolved}, {@code stopped}
 * @param source which folder it came from: {@code image} or {@code user}
 * @param path where it is
 * @param requires the Atmosphere versions it requires ({@code *} for any)
 * @param providers the providers it contributes, as {@code family:type} ({@code tool:core})
 * @param error why it failed, in one line, if it did
 */
public record PluginReport(String id, String version, String description, String state, String source,
                           String path, String requires, List<String> providers, Optional<String> error) {

    /** Validates and copies. */
    public PluginReport {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(requires, "requires");
        providers = List.copyOf(providers);
        Objects.requireNonNull(error, "error");
    }
}
