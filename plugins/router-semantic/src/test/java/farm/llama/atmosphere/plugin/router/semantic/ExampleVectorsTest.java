package farm.llama.atmosphere.plugin.router.semantic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.contract.TestContext;
import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin ships the examples' vectors for MiniLM, and they are the model's own. */
class ExampleVectorsTest {

    @TempDir
    Path dir;

    @Test
    void theShippedVectorsAreMiniLmsAndARouterUsesThemAtOnce() throws Exception {
        EmbedderProvider minilm = ServiceLoader.load(EmbedderProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.type().equals("minilm")).findFirst().orElseThrow();
        try (Embedder model = minilm.create(new TestContext(dir))) {
            List<String> texts = ExampleIndex.curatedTexts(Tasks.builtIn());
            List<float[]> shipped = ExampleVectors.shipped(model, texts).orElseThrow(
                    () -> new AssertionError("no vectors shipped for these examples: rebuild the plugin (mvn package)"));
            assertEquals(texts.size(), shipped.size());
            for (int i = 0; i < texts.size(); i += 97) {
                float[] now = model.embed(texts.get(i));
                double cos = 0;
                for (int d = 0; d < now.length; d++) {
                    cos += now[d] * shipped.get(i)[d];
                }
                assertTrue(cos > 0.999, "example " + i + " (" + texts.get(i) + "): cosine " + cos);
            }
            SemanticRouter router = new SemanticRouter(dir);
            router.routingEmbedder(model);
            assertTrue(router.examplesReady(), "ready at once, nothing embedded at start");
            router.close();
        }
    }
}
