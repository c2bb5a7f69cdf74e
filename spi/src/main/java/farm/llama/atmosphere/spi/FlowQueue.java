package farm.llama.atmosphere.spi;

import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Turns a publisher (a backend's chat chunks, a model pull's progress lines) into blocking reads,
 * one item requested at a time, so back-pressure reaches the backend. Used by one reader thread;
 * {@link #cancel()} may come from any thread.
 *
 * @param <T> the items
 */
public final class FlowQueue<T> implements Flow.Subscriber<T> {

    private record Signal<T>(T item, Throwable error, boolean done) {
    }

    private final LinkedBlockingQueue<Signal<T>> signals = new LinkedBlockingQueue<>();
    private final Function<Throwable, CallFailedException> failure;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    /**
     * @param failure what a publisher's error that is not a {@link CallFailedException} becomes
     */
    public FlowQueue(Function<Throwable, CallFailedException> failure) {
        this.failure = failure;
    }

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
    public void onNext(T item) {
        signals.add(new Signal<>(item, null, false));
    }

    @Override
    public void onError(Throwable t) {
        signals.add(new Signal<>(null, t, true));
    }

    @Override
    public void onComplete() {
        signals.add(new Signal<>(null, null, true));
    }

    /**
     * @param timeoutMillis how long to wait for the next signal
     * @return the next item, or empty at the end of the stream
     * @throws CallFailedException the stream's failure, CANCELLED when interrupted, or TIMEOUT
     */
    public Optional<T> next(long timeoutMillis) {
        Signal<T> s;
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
        return take(s);
    }

    /**
     * @return the next item, or empty at the end of the stream, however long it takes
     * @throws CallFailedException the stream's failure, or CANCELLED when interrupted
     */
    public Optional<T> next() {
        try {
            return take(signals.take());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new CallFailedException(FailureKind.CANCELLED, "interrupted");
        }
    }

    private Optional<T> take(Signal<T> s) {
        if (s.error() != null) {
            signals.add(s);
            if (s.error() instanceof CallFailedException cfe) {
                throw cfe;
            }
            throw failure.apply(s.error());
        }
        if (s.done()) {
            signals.add(s);
            return Optional.empty();
        }
        Flow.Subscription sub = subscription;
        if (sub != null) {
            sub.request(1);
        }
        return Optional.of(s.item());
    }

    /** Stops the stream: the publisher is told, and nothing more is requested. */
    public void cancel() {
        cancelled = true;
        Flow.Subscription sub = subscription;
        if (sub != null) {
            sub.cancel();
        }
    }
}
