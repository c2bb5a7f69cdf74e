package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trigger defined in config, with its counts ({@code GET /api/v1/triggers}, {@code trigger list --json}).
 *
 * @param capability who fires it
 * @param event what happened
 * @param intent the intent template
 * @param route where it goes: a route hint, or "by meaning"
 * @param throttle the least time between two firings that act (ISO-8601)
 * @param priority low, normal, high or critical
 * @param counts fired, throttled, dropped, done, failed
 * @param lastFired when it last fired (ISO-8601), null if never
 */
public record TriggerReport(String capability, String event, String intent, String route, String throttle, String priority,
                            Map<String, Long> counts, @JsonInclude(JsonInclude.Include.ALWAYS) String lastFired) {

    /** Copies. */
    public TriggerReport {
        counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }
}
