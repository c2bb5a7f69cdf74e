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
 * @param continues the owner's word on whether the backend continues a trailing assistant message
 *                  ({@code continue: true|false}); empty: the client decides from what it detects
 */
public record BackendEndpoint(String type, URI url, Optional<String> apiKey, Optional<Boolean> continues) {

    /** Validates. */
    public BackendEndpoint {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(continues, "continues");
    }

    /**
     * @param type the discovery type
     * @param url its base URL
     * @param apiKey the key to send, if any
     */
    public BackendEndpoint(String type, URI url, Optional<String> apiKey) {
        this(type, url, apiKey, Optional.empty());
    }

    @Override
    public String toString() {
        return "BackendEndpoint[type=" + type + ", url=" + url + ", apiKey=" + (apiKey.isPresent() ? "***" : "none")
                + continues.map(c -> ", continues=" + c).orElse("") + "]";
    }
}
