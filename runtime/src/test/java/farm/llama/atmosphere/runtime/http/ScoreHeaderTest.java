package farm.llama.atmosphere.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The score header reads as it did when a formatter wrote it, for every score a router can give. */
class ScoreHeaderTest {

    @Test
    void fourPlacesWritesWhatPercentPoint4fWrote() {
        double[] edges = {0, -0.0, 1, -1, 0.5, 0.00005, 0.10005, 0.12345, 0.99995, 0.999949999, 1e-9, -0.00005, 123.45675,
            Double.MIN_VALUE, 1e300, Double.NaN, Double.POSITIVE_INFINITY};
        for (double v : edges) {
            assertEquals(String.format(Locale.ROOT, "%.4f", v), OpenAiApi.fourPlaces(v), "score " + v);
        }
        Random random = new Random(26);
        for (int i = 0; i < 200_000; i++) {
            double v = switch (i % 3) {
                case 0 -> random.nextDouble();
                case 1 -> Math.round(random.nextDouble() * 100_000) / 100_000.0; // five places: the rounding edge
                default -> (random.nextDouble() - 0.5) * 20;
            };
            assertEquals(String.format(Locale.ROOT, "%.4f", v), OpenAiApi.fourPlaces(v), "score " + v);
        }
    }
}
