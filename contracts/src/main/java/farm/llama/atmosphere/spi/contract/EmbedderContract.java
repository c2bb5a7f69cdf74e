package farm.llama.atmosphere.spi.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What every embedder must do: normalised vectors of its stated size, the same for the same text, safe to share. */
public abstract class EmbedderContract extends ProviderContract<EmbedderProvider> {

    @Override
    protected Class<EmbedderProvider> family() {
        return EmbedderProvider.class;
    }

    private static final List<String> TEXTS = List.of("Write a Python function that parses a CSV file",
            "Plan a relaxing Sunday for me", "What is in this photo?", "");

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    public void vectorsHaveTheStatedSizeAreNormalisedAndRepeatable() {
        try (Embedder e = provider().create(context())) {
            assertTrue(!e.id().isBlank() && e.dimensions() > 0, e.id() + " " + e.dimensions());
            for (String text : TEXTS) {
                float[] v = e.embed(text);
                assertEquals(e.dimensions(), v.length, "size of the vector of '" + text + "'");
                double n = norm(v);
                assertTrue(Math.abs(n - 1) < 1e-3 || (text.isEmpty() && n == 0), "'" + text + "' has norm " + n);
                assertArrayEquals(v, e.embed(text), "the same text, the same vector: '" + text + "'");
            }
        }
    }

    @Test
    public void aBatchIsTheSameAsOneByOneInOrder() {
        try (Embedder e = provider().create(context())) {
            List<float[]> batch = e.embedAll(TEXTS);
            assertEquals(TEXTS.size(), batch.size());
            for (int i = 0; i < TEXTS.size(); i++) {
                float[] one = e.embed(TEXTS.get(i));
                for (int j = 0; j < one.length; j++) {
                    assertEquals(one[j], batch.get(i)[j], 1e-4, "text " + i + ", dimension " + j);
                }
            }
        }
    }

    @Test
    public void oneEmbedderServesManyThreadsAlike() throws Exception {
        try (Embedder e = provider().create(context())) {
            float[] expected = e.embed(TEXTS.get(0));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> out = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    out.add(pool.submit(() -> e.embed(TEXTS.get(0))));
                }
                for (Future<float[]> f : out) {
                    assertArrayEquals(expected, f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    public void afterCloseItRefusesAndClosingAgainIsHarmless() {
        Embedder e = provider().create(context());
        e.close();
        e.close();
        assertThrows(IllegalStateException.class, () -> e.embed("hello"));
    }
}
