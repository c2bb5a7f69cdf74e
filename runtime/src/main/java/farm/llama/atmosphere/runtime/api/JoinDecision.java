package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The owner's answer to a pending join ({@code POST /api/v1/mesh/joins/{nodeId}/approve|deny}).
 *
 * @param nodeId the joiner
 * @param name its name
 * @param decision approved or denied
 */
public record JoinDecision(String nodeId, String name, Decision decision) {

    /** What the owner said. */
    public enum Decision {
        /** Admitted. */
        APPROVED,
        /** Refused. */
        DENIED;

        /** @return its name on the wire */
        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
