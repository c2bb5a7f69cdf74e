package farm.llama.atmosphere.runtime.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations: ISO-8601 ({@code PT0.2S}) or short forms ({@code 200ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}). */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * @param text the text
     * @return the duration, or empty if it is neither form or negative
     */
    public static Optional<Duration> parse(String text) {
        String t = text.trim();
        try {
            Duration d = Duration.parse(t.toUpperCase(Locale.ROOT));
            return d.isNegative() ? Optional.empty() : Optional.of(d);
        } catch (DateTimeParseException e) {
            Matcher m = SHORT.matcher(t.toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                return Optional.empty();
            }
            double amount = Double.parseDouble(m.group(1));
            long millis = switch (m.group(2)) {
                case "ms" -> Math.round(amount);
                case "s" -> Math.round(amount * 1000);
                case "m" -> Math.round(amount * 60_000);
                case "h" -> Math.round(amount * 3_600_000);
                default -> Math.round(amount * 86_400_000);
            };
            return Optional.of(Duration.ofMillis(millis));
        }
    }
}
