package farm.llama.atmosphere.plugin.embedder.minilm;

import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.routing.Embedder;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * MiniLM, loaded in the background so the node does not wait for it to start: ONNX Runtime's
 * native library and the model session take about 0.7 s here. What can be known at once is
 * checked at once — the model files are there and ONNX Runtime carries a native library for this
 * platform — so an embedder that cannot work fails to be created, and the node uses the next one
 * (the lexical embedder). {@link #embed} waits for the load (the first request after start may).
 * Thread-safe.
 */
final class LoadingEmbedder implements Embedder {

    private final CompletableFuture<MiniLmEmbedder> loaded = new CompletableFuture<>();

    LoadingEmbedder() {
        if (MiniLmEmbedder.class.getResource("/minilm/all-minilm-l6-v2-q.onnx") == null
                || MiniLmEmbedder.class.getResource("/minilm/bert-vocabulary-en.txt") == null) {
            throw new AtmosphereException("the MiniLM model files are missing from the plugin; rebuild it");
        }
        String platform = platform();
        String library = platform.startsWith("win") ? "onnxruntime.dll" : platform.startsWith("osx") ? "libonnxruntime.dylib" : "libonnxruntime.so";
        if (ai.onnxruntime.OrtEnvironment.class.getResource("/ai/onnxruntime/native/" + platform + "/" + library) == null) {
            throw new AtmosphereException("ONNX Runtime in this plugin carries no native library for " + platform
                    + ", so MiniLM cannot run here; the lexical embedder is used instead");
        }
        Thread.ofVirtual().name("minilm-load").start(() -> {
            try {
                loaded.complete(MiniLmEmbedder.load());
            } catch (RuntimeException | Error e) {
                loaded.completeExceptionally(e);
            }
        });
    }

    /** @return ONNX Runtime's name for this platform's native folder ({@code linux-x64}, {@code osx-aarch64}, {@code win-x64}) */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : "linux";
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return o + "-" + a;
    }

    private MiniLmEmbedder model() {
        try {
            return loaded.get();
        } catch (ExecutionException e) {
            throw new AtmosphereException("the MiniLM embedder could not load: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtmosphereException("interrupted while the MiniLM embedder loaded");
        }
    }

    @Override
    public String id() {
        return "minilm-l6-v2-q";
    }

    @Override
    public int dimensions() {
        return MiniLmEmbedder.DIMENSIONS;
    }

    @Override
    public float[] embed(String text) {
        return model().embed(text);
    }

    /** Waits for a load in progress, then releases the session. */
    @Override
    public void close() {
        try {
            loaded.get().close();
        } catch (ExecutionException e) {
            // it never loaded: nothing to release
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
