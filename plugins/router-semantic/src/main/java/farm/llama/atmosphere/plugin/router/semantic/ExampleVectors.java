package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The curated examples' vectors for the image's default embedder, made when the plugin is built
 * and shipped inside it ({@code tasks/examples-<digest>.vec}), so a node routes by example from
 * its first request instead of embedding 1,500 examples at its first start. The digest covers the
 * embedder and every example, so a changed example or model simply finds no shipped file and
 * embeds them at run time as before.
 */
final class ExampleVectors {

    private ExampleVectors() {
    }

    /**
     * @param embedder the embedder the router routes with
     * @param texts the curated examples
     * @return their vectors, if the plugin ships them for this embedder and these examples
     */
    static Optional<List<float[]>> shipped(Embedder embedder, List<String> texts) {
        Path name = ExampleCache.file(Path.of(""), embedder.id(), embedder.dimensions(), texts).getFileName();
        try (InputStream in = ExampleVectors.class.getResourceAsStream("tasks/" + name)) {
            return in == null ? Optional.empty() : ExampleCache.read(in, texts.size(), embedder.dimensions());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Build step: embeds the curated examples with the embedder provider of the given type found on
     * the class path, and writes {@code examples-<digest>.vec} into the given folder.
     *
     * @param args the folder (the plugin's {@code tasks/} in its build output) and the embedder type ({@code minilm})
     * @throws Exception when the embedder cannot be found or run, or the file cannot be written
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        String type = args[1];
        EmbedderProvider provider = ServiceLoader.load(EmbedderProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.type().equals(type)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no embedder provider of type " + type + " on the class path"));
        NodeContext none = (NodeContext) Proxy.newProxyInstance(NodeContext.class.getClassLoader(), new Class<?>[] {NodeContext.class},
                (proxy, method, a) -> {
                    throw new UnsupportedOperationException("the build step offers no node context (" + method.getName() + ")");
                });
        try (Embedder embedder = provider.create(none)) {
            List<String> texts = ExampleIndex.curatedTexts(Tasks.builtIn());
            List<float[]> vectors = texts.stream().map(embedder::embed).toList();
            Files.createDirectories(out);
            Path file = ExampleCache.file(out, embedder.id(), embedder.dimensions(), texts);
            ExampleCache.write(file, vectors, embedder.dimensions());
            System.out.println("router-semantic: " + vectors.size() + " example vectors of " + embedder.id() + " in " + file);
        }
    }
}
