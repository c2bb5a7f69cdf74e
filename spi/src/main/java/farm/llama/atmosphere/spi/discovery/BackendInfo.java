package farm.llama.atmosphere.spi.discovery;

import java.net.URI;
import java.util.Objects;

/**
 * Identifies one running backend.
 *
 * @param id stable id, unique on this node, for example {@code ollama@127.0.0.1:11434}
 * @param type the discovery type that found it
 * @param url its base URL
 * @param version the version it reports, or {@code ""} if unknown
 */
public record BackendInfo(String id, String type, URI url, String version) {

    /** Validates. */
    public BackendInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(version, "version");
    }
}
