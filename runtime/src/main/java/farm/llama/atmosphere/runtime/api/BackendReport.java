package farm.llama.atmosphere.runtime.api;

import java.util.Objects;
import java.util.Optional;

/**
 * A backend as {@code atmosphere backends} and {@code GET /api/v1/backends} show it.
 *
 * @param id its id ({@code ollama@127.0.0.1:11434})
 * @param type the discovery type
 * @param url its base URL
 * @param version what it reports of its version or flavour
 * @param state {@code up} or {@code down}
 * @param latencyMs moving average of its latency, or -1
 * @param tokensPerSecond moving average of its generation speed, or -1
 * @param inFlight requests running now
 * @param concurrency its cap
 * @param capabilities how many capabilities it offers
 * @param lastError its last error, if any
 * @param lastSeen when it last answered (ISO-8601), if ever
 */
public record BackendReport(String id, String type, String url, String version, String state, double latencyMs,
                            double tokensPerSecond, int inFlight, int concurrency, int capabilities,
                            Optional<String> lastError, Optional<String> lastSeen) {
    /** Validates. */
    public BackendReport {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(lastSeen, "lastSeen");
    }
}
