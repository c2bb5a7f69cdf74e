package farm.llama.atmosphere.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A read-only view of one subtree of the node's configuration ({@code config.yaml} merged with
 * {@code ATMOSPHERE_*} environment overrides). Keys are relative to the subtree and use dots
 * for nesting ({@code limits.max-keys}).
 *
 * <p>Implementations are immutable and thread-safe. Accessors never return {@code null}; a key
 * that is absent yields an empty {@link Optional} or an empty collection. A value of the wrong
 * type throws {@link AtmosphereException} naming the key.
 */
public interface ConfigView {

    /** @return the value as text, if present */
    Optional<String> string(String key);

    /** @return the value as an integer, if present */
    Optional<Long> number(String key);

    /** @return the value as a boolean, if present */
    Optional<Boolean> bool(String key);

    /** @return the value as an ISO-8601 duration ({@code PT30S}) or a short form ({@code 30s}, {@code 5m}), if present */
    Optional<Duration> duration(String key);

    /**
     * @param key a key
     * @return the value as a file path, if present; a leading {@code ~/} is the user's home folder
     */
    default Optional<Path> path(String key) {
        return string(key).map(ConfigView::expandHome);
    }

    /**
     * @param path a path as a person writes it in {@code config.yaml}
     * @return it, with a leading {@code ~/} (or a lone {@code ~}) replaced by the user's home folder
     */
    static Path expandHome(String path) {
        if (path.equals("~") || path.startsWith("~/")) {
            return Path.of(System.getProperty("user.home") + path.substring(1));
        }
        return Path.of(path);
    }

    /** @return the value as a list of strings; empty if absent */
    List<String> list(String key);

    /** @return the subtree under {@code key}; an empty view if absent */
    ConfigView subtree(String key);

    /** @return the whole subtree as plain values (String, Number, Boolean, List, Map); unmodifiable */
    Map<String, Object> asMap();
}
