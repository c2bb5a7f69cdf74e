package farm.llama.atmosphere.spi.discovery;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.ChatStream;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * A client for one running backend.
 *
 * <p>Thread-safe; calls may run concurrently. Every failure is a {@link CallFailedException}
 * whose {@link farm.llama.atmosphere.spi.FailureKind kind} tells failover what to do: a refused
 * connection is {@code UNREACHABLE}, a 5xx or malformed body is {@code BAD_RESPONSE}, a 429 is
 * {@code OVERLOADED}, and so on. After {@link #close()} every call fails with kind
 * {@code UNREACHABLE}.
 */
public interface BackendClient extends AutoCloseable {

    /** @return what this backend is */
    BackendInfo info();

    /**
     * Asks the backend what it offers now. Each model becomes one capability, typed and
     * described well enough to route on.
     *
     * @return the capabilities, possibly empty
     * @throws CallFailedException if the backend cannot be asked
     */
    List<Capability> capabilities();

    /**
     * Runs a chat completion. The returned publisher is cold: each subscription makes one call.
     * Chunks arrive as the backend produces them; cancelling the subscription aborts the call at
     * the backend (the connection is closed). A failure before the first chunk is signalled via
     * {@code onError} with a {@link CallFailedException}; a failure mid-stream likewise, after
     * the chunks already delivered.
     *
     * @param request the request
     * @return a publisher of chunks; the one with the {@code finish_reason} has {@code last()} true
     */
    Flow.Publisher<ChatChunk> chat(ChatRequest request);

    /**
     * Runs a chat completion read on the caller's thread: what the node's router calls. The
     * default reads {@link #chat} through a queue; a client whose I/O blocks implements it
     * directly (and {@code chat} with {@link ChatStream#publisher}), so that the request's own
     * thread reads the backend — the node's fastest path. Failures before the first chunk may be
     * thrown here or from the first {@link ChatStream#next()}.
     *
     * @param request the request
     * @return the call's chunks, to read and then close
     * @throws CallFailedException when the call cannot start
     */
    default ChatStream stream(ChatRequest request) {
        return ChatStream.of(chat(request), request.timeout());
    }

    /**
     * Computes embeddings.
     *
     * @param request the request
     * @return one vector per input
     * @throws CallFailedException on failure
     */
    Embeddings embed(EmbedRequest request);

    /**
     * Asks the backend to fetch a model (Ollama's {@code /api/pull}). The publisher is cold and
     * emits the backend's progress as JSON objects: {@code status}, and while downloading
     * {@code digest}, {@code total} and {@code completed} (bytes); the last one has status
     * {@code success}. Backends that cannot pull refuse with {@code NOT_FOUND}.
     *
     * @param model the model to fetch
     * @return the progress
     */
    default Flow.Publisher<String> pull(String model) {
        return farm.llama.atmosphere.spi.BlockingPublisher.failed(new CallFailedException(
                farm.llama.atmosphere.spi.FailureKind.NOT_FOUND, info().type() + " backends cannot pull models"));
    }

    /**
     * Where the backend keeps a model's weights on this machine, when it says (Ollama names the
     * blob in the {@code FROM} instruction of {@code /api/show}'s modelfile). The node shares such a
     * file with members that ask ({@code model pull}) only when the backend runs on this machine and
     * the file is a blob of its store ({@code blobs/sha256-<64 hex>}) whose content hashes to its
     * name, outside the node's data folder — whatever a backend answers here.
     *
     * @param model a model the backend lists
     * @return the path the backend names, when it names one
     */
    default java.util.Optional<java.nio.file.Path> modelFile(String model) {
        return java.util.Optional.empty();
    }

    /**
     * Makes a model file known to the backend under a name, so that it can serve it (Ollama: the
     * file is pushed as a blob, then a model is created from it).
     *
     * @param name the model name to register
     * @param file the weights (a GGUF file)
     * @param sha256 the file's SHA-256, lower-case hex
     * @throws CallFailedException NOT_FOUND for backends that cannot import files, or why the backend refused
     */
    default void register(String name, java.nio.file.Path file, String sha256) {
        throw new CallFailedException(farm.llama.atmosphere.spi.FailureKind.NOT_FOUND, info().type() + " backends cannot import model files");
    }

    /** Releases connections. Idempotent. */
    @Override
    void close();
}
