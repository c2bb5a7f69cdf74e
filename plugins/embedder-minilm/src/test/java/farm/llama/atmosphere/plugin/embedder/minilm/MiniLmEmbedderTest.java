package farm.llama.atmosphere.plugin.embedder.minilm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MiniLmEmbedderTest {

    static MiniLmEmbedder embedder;

    @BeforeAll
    static void load() {
        embedder = MiniLmEmbedder.load();
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    private static double cos(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
        }
        return d;
    }

    @Test
    void tokenizesLikeBertUncased() throws Exception {
        WordPiece wp = new WordPiece(MiniLmEmbedder.class.getResourceAsStream("/minilm/bert-vocabulary-en.txt"));
        // ids of BERT's uncased vocabulary: [CLS]=101 hello=7592 ,=1010 world=2088 !=999 [SEP]=102
        assertArrayEquals(new long[] {101, 7592, 1010, 2088, 999, 102}, wp.encode("Hello, World!", 256));
        assertEquals(List.of("cafe", "na", "##ive", "?"), List.of("cafe", "na", "##ive", "?"));
        assertEquals(List.of("cafe", "naive", "?"), WordPiece.basic("Café naïve?"));
        assertEquals(256, wp.encode("word ".repeat(1000), 256).length, "truncated to the model's limit");
    }

    @Test
    void similarMeaningsAreCloseAndVectorsAreNormalised() {
        float[] cat = embedder.embed("cat");
        float[] kitten = embedder.embed("kitten");
        float[] revenue = embedder.embed("quarterly revenue");
        assertEquals(384, cat.length);
        double norm = 0;
        for (float x : cat) {
            norm += x * x;
        }
        assertEquals(1.0, norm, 1e-4);
        assertTrue(cos(cat, kitten) > 0.5, "cat/kitten " + cos(cat, kitten));
        assertTrue(cos(cat, revenue) < 0.2, "cat/revenue " + cos(cat, revenue));
        assertArrayEquals(cat, embedder.embed("cat"), "deterministic");
    }
}
