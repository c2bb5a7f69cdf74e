package farm.llama.atmosphere.plugin.embedder.minilm;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.routing.Embedder;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 (quantized): WordPiece tokens → ONNX Runtime → mean pooling over the attention
 * mask → L2 normalisation; 384 dimensions. The model and vocabulary are resources of this plugin;
 * nothing touches the network. Thread-safe (ONNX Runtime sessions run concurrently).
 */
final class MiniLmEmbedder implements Embedder {

    static final int DIMENSIONS = 384;
    static final int MAX_TOKENS = 256;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final WordPiece tokenizer;
    private volatile boolean closed;
    /** Runs hold it shared, close exclusively: closing the session under a running inference would crash the JVM. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock lock = new java.util.concurrent.locks.ReentrantReadWriteLock();

    private MiniLmEmbedder(OrtEnvironment env, OrtSession session, WordPiece tokenizer) {
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
    }

    static MiniLmEmbedder load() {
        try (InputStream model = MiniLmEmbedder.class.getResourceAsStream("/minilm/all-minilm-l6-v2-q.onnx");
             InputStream vocab = MiniLmEmbedder.class.getResourceAsStream("/minilm/bert-vocabulary-en.txt")) {
            if (model == null || vocab == null) {
                throw new AtmosphereException("the MiniLM model files are missing from the plugin; rebuild it");
            }
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
            OrtSession session = env.createSession(model.readAllBytes(), options);
            return new MiniLmEmbedder(env, session, new WordPiece(vocab));
        } catch (IOException | OrtException | UnsatisfiedLinkError e) {
            throw new AtmosphereException("cannot start the MiniLM embedder: " + e.getMessage(), e);
        }
    }

    @Override
    public String id() {
        return "minilm-l6-v2-q";
    }

    @Override
    public int dimensions() {
        return DIMENSIONS;
    }

    @Override
    public float[] embed(String text) {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("embedder closed");
            }
            return run(text);
        } finally {
            lock.readLock().unlock();
        }
    }

    private float[] run(String text) {
        long[] ids = tokenizer.encode(text, MAX_TOKENS);
        long[] mask = new long[ids.length];
        long[] types = new long[ids.length];
        Arrays.fill(mask, 1);
        try (OnnxTensor inputIds = OnnxTensor.createTensor(env, new long[][] {ids});
             OnnxTensor attention = OnnxTensor.createTensor(env, new long[][] {mask});
             OnnxTensor tokenTypes = OnnxTensor.createTensor(env, new long[][] {types});
             OrtSession.Result result = session.run(Map.of("input_ids", inputIds, "attention_mask", attention,
                     "token_type_ids", tokenTypes))) {
            float[][][] hidden = (float[][][]) result.get(0).getValue();
            float[] v = new float[DIMENSIONS];
            for (float[] token : hidden[0]) {
                for (int i = 0; i < DIMENSIONS; i++) {
                    v[i] += token[i];
                }
            }
            double norm = 0;
            for (int i = 0; i < DIMENSIONS; i++) {
                v[i] /= hidden[0].length;
                norm += v[i] * v[i];
            }
            float inv = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0;
            for (int i = 0; i < DIMENSIONS; i++) {
                v[i] *= inv;
            }
            return v;
        } catch (OrtException e) {
            throw new AtmosphereException("MiniLM inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock(); // waits for running inferences
        try {
            if (!closed) {
                closed = true;
                try {
                    session.close();
                } catch (OrtException e) {
                    // closing: nothing else to release
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
