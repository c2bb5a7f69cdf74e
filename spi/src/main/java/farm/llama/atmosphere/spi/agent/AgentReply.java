package farm.llama.atmosphere.spi.agent;

import java.util.Objects;

/**
 * An agent's answer.
 *
 * @param text the answer for people
 * @param json structured result as JSON text, {@code "null"} if none
 * @param steps how many model or tool steps it took
 */
public record AgentReply(String text, String json, int steps) {

    /** Validates. */
    public AgentReply {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(json, "json");
        if (steps < 0) {
            throw new IllegalArgumentException("steps < 0");
        }
    }
}
