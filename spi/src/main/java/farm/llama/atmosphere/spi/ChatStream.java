package farm.llama.atmosphere.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * A chat completion read chunk by chunk on the reader's own thread: the pull-side twin of
 * {@link farm.llama.atmosphere.spi.discovery.BackendClient#chat}. A backend client that reads its
 * answer with blocking I/O implements it directly, so that a request's thread reads the backend's
 * bytes itself — no producing thread, no hand-off per chunk; any publisher can be read as one with
 * {@link #of(Flow.Publisher, Duration)}.
 *
 * <p>Used by one reader thread; {@link #close()} may come from any thread.
 */
public interface ChatStream extends AutoCloseable {

    /**
     * @return the next chunk, or empty at the end of the answer
     * @throws CallFailedException when the backend fails or stays silent for longer than the request's timeout
     */
    Optional<ChatChunk> next();

    /**
     * Whether the next {@link #next()} can answer without waiting for the backend: its bytes are
     * here already. A reader that passes chunks on holds its flush while this is true, so chunks
     * that arrived together leave together, and a chunk that arrived alone leaves at once.
     *
     * @return true only when the next chunk (or the end) has arrived; false when unsure
     */
    default boolean buffered() {
        return false;
    }

    /** Stops the call: before the end this aborts it at the backend; after the end it does nothing. Idempotent. */
    @Override
    void close();

    /**
     * Reads a publisher as a stream, one chunk requested at a time.
     *
     * @param chunks the publisher (subscribed to at once)
     * @param idleTimeout how long {@link #next()} waits for a chunk before the call fails with TIMEOUT
     * @return the stream
     */
    static ChatStream of(Flow.Publisher<ChatChunk> chunks, Duration idleTimeout) {
        FlowQueue<ChatChunk> queue = new FlowQueue<>(t -> new CallFailedException(FailureKind.BAD_RESPONSE, "the backend failed: " + t, t));
        chunks.subscribe(queue);
        long millis = idleTimeout.toMillis();
        return new ChatStream() {
            private volatile boolean ended;

            @Override
            public Optional<ChatChunk> next() {
                Optional<ChatChunk> c = queue.next(millis);
                ended |= c.isEmpty();
                return c;
            }

            @Override
            public void close() {
                if (!ended) {
                    queue.cancel();
                }
            }
        };
    }

    /**
     * A publisher whose every subscription opens a stream and passes its chunks on from a thread of
     * its own: for callers that want {@link Flow}.
     *
     * @param name names the producing thread
     * @param open opens one call's stream
     * @return a cold publisher
     */
    static Flow.Publisher<ChatChunk> publisher(String name, Supplier<ChatStream> open) {
        return BlockingPublisher.of(name, sink -> {
            try (ChatStream stream = open.get()) {
                sink.onCancel(stream::close);
                Optional<ChatChunk> c;
                while ((c = stream.next()).isPresent()) {
                    sink.emit(c.get());
                }
            }
        });
    }
}
