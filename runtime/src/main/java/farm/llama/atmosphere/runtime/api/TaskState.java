package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a task this node runs in the background stands: a model deploy, a model file pull. */
public enum TaskState {
    /** None since the node started. */
    IDLE,
    /** Under way. */
    RUNNING,
    /** Finished. */
    DONE,
    /** Refused or failed; its error says why. */
    FAILED;

    /** @return its name on the wire */
    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
