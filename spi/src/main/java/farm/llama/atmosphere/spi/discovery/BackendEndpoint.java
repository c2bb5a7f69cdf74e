package farm.llama.atmosphere.spi.discovery;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * A backend the owner listed in {@code config.yaml} under {@code backends}.
 *
 * @param type the discovery type ({@code ollama}, {@code openai}, {@code llamafarm})
 * @param url its base URL
 * @param apiKey the key to send, if any; never logged or returned by the API
 */
public record BackendEndpoint(String type, URI url, Optional<String> apiKey) {

    /** Validates. */
    public BackendEndpoint {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(apiKey, "apiKey");
    }

    @Override
    public String toString() {
        return "BackendEndpoint[type=" + type + ", url=" + url + ", apiKey=" + (apiKey.isPresent() ? "***" : "none") + "]";
    }
}
