package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.FailureKind;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Turns a chunk publisher into blocking reads, one chunk requested at a time (backpressure reaches
 * the backend). Used by one reader thread; {@link #cancel()} may come from any thread.
 */
final class ChunkQueue implements Flow.Subscriber<ChatChunk> {

    private record Signal(ChatChunk chunk, Throwable error, boolean done) {
    }

    private final LinkedBlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(ChatChunk item) {
        signals.add(new Signal(item, null, false));
    }

    @Override
    public void onError(Throwable t) {
        signals.add(new Signal(null, t, true));
    }

    @Override
    public void onComplete() {
        signals.add(new Signal(null, null, true));
    }

    /**
     * @param timeoutMillis how long to wait for the next signal
     * @return the next chunk, or empty at the end of the stream
     * @throws CallFailedException the stream's failure, or TIMEOUT
     */
    Optional<ChatChunk> next(long timeoutMillis) {
        Signal s;
        try {
            s = signals.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new CallFailedException(FailureKind.CANCELLED, "interrupted");
        }
        if (s == null) {
            cancel();
            throw new CallFailedException(FailureKind.TIMEOUT, "the backend sent nothing for " + timeoutMillis / 1000 + " s");
        }
        if (s.error() != null) {
            signals.add(s);
            if (s.error() instanceof CallFailedException cfe) {
                throw cfe;
            }
            throw new CallFailedException(FailureKind.BAD_RESPONSE, "the backend failed: " + s.error(), s.error());
        }
        if (s.done()) {
            signals.add(s);
            return Optional.empty();
        }
        Flow.Subscription sub = subscription;
        if (sub != null) {
            sub.request(1);
        }
        return Optional.of(s.chunk());
    }

    void cancel() {
        cancelled = true;
        Flow.Subscription sub = subscription;
        if (sub != null) {
            sub.cancel();
        }
    }
}
