package farm.llama.atmosphere.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened on a node, for the live event stream ({@code /api/v1/events}), the
 * shell and the dashboard.
 *
 * @param type dotted lower-case name, for example {@code plugin.loaded} or {@code tool.notify}
 * @param time when it happened
 * @param data JSON-friendly values (String, Number, Boolean, List, Map); never secrets
 */
public record NodeEvent(String type, Instant time, Map<String, Object> data) {

    /** Validates and copies. */
    public NodeEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(time, "time");
        data = Map.copyOf(data);
        if (type.isBlank()) {
            throw new IllegalArgumentException("event type is blank");
        }
    }
}
