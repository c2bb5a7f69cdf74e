package farm.llama.atmosphere.spi;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A cold {@link Flow.Publisher} driven by plain blocking code: each subscription runs the
 * producer on its own virtual thread, and {@link Sink#emit} blocks until the subscriber has
 * requested more. Cancelling the subscription runs the producer's cancel hooks (close the
 * connection to a backend, say) and interrupts it, so the work stops at the source.
 *
 * <p>Thread-safe. Signals to the subscriber are serialised, as {@link Flow} requires.
 *
 * @param <T> the item type
 */
public final class BlockingPublisher<T> implements Flow.Publisher<T> {

    /**
     * Produces the items of one subscription.
     *
     * @param <T> the item type
     */
    @FunctionalInterface
    public interface Producer<T> {
        /**
         * Emits items, then returns to complete the stream or throws to fail it.
         *
         * @param sink where the items go
         * @throws Exception any failure; delivered as {@code onError} unless the subscriber cancelled
         */
        void produce(Sink<T> sink) throws Exception;
    }

    /**
     * Where a producer sends items.
     *
     * @param <T> the item type
     */
    public interface Sink<T> {
        /**
         * Delivers an item, waiting for demand.
         *
         * @param item the item
         * @throws CancellationException if the subscriber cancelled; the producer should stop
         * @throws InterruptedException if interrupted (also on cancel)
         */
        void emit(T item) throws InterruptedException;

        /** @return whether the subscriber cancelled */
        boolean cancelled();

        /**
         * Registers work to run when the subscriber cancels (runs at once if it already did).
         *
         * @param hook for example closing a response stream
         */
        void onCancel(Runnable hook);
    }

    private final Producer<T> producer;
    private final String name;

    private BlockingPublisher(String name, Producer<T> producer) {
        this.name = Objects.requireNonNull(name, "name");
        this.producer = Objects.requireNonNull(producer, "producer");
    }

    /**
     * @param name names the producing thread, for diagnostics
     * @param producer the code that produces each subscription's items
     * @param <T> the item type
     * @return a cold publisher
     */
    public static <T> Flow.Publisher<T> of(String name, Producer<T> producer) {
        return new BlockingPublisher<>(name, producer);
    }

    /**
     * @param error the failure to signal to every subscriber
     * @param <T> the item type
     * @return a publisher that fails at once
     */
    public static <T> Flow.Publisher<T> failed(Throwable error) {
        return of("failed", sink -> {
            if (error instanceof Exception e) {
                throw e;
            }
            throw new IllegalStateException(error);
        });
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        Subscription<T> s = new Subscription<>(subscriber);
        subscriber.onSubscribe(s);
        Thread thread = Thread.ofVirtual().name("atmosphere-" + name).unstarted(() -> s.run(producer));
        s.thread = thread;
        thread.start();
    }

    private static final class Subscription<T> implements Flow.Subscription, Sink<T> {
        private final Flow.Subscriber<? super T> subscriber;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition demandChanged = lock.newCondition();
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final List<Runnable> hooks = new CopyOnWriteArrayList<>();
        private long demand;
        private Throwable badRequest;
        private volatile Thread thread;

        Subscription(Flow.Subscriber<? super T> subscriber) {
            this.subscriber = subscriber;
        }

        void run(Producer<T> producer) {
            try {
                producer.produce(this);
                if (!cancelled.get()) {
                    if (badRequest != null) {
                        subscriber.onError(badRequest);
                    } else {
                        subscriber.onComplete();
                    }
                }
            } catch (Throwable t) {
                if (!cancelled.get()) {
                    subscriber.onError(badRequest != null ? badRequest : t);
                }
            }
        }

        @Override
        public void request(long n) {
            lock.lock();
            try {
                if (n <= 0) {
                    badRequest = new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)");
                    cancel();
                    return;
                }
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                demandChanged.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void cancel() {
            if (cancelled.compareAndSet(false, true)) {
                for (Runnable hook : hooks) {
                    try {
                        hook.run();
                    } catch (RuntimeException ignored) {
                        // a failing hook must not stop the others
                    }
                }
                Thread t = thread;
                if (t != null && t != Thread.currentThread()) {
                    t.interrupt();
                }
                lock.lock();
                try {
                    demandChanged.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }

        @Override
        public void emit(T item) throws InterruptedException {
            lock.lock();
            try {
                while (demand == 0 && !cancelled.get()) {
                    demandChanged.await();
                }
                if (cancelled.get()) {
                    throw new CancellationException("the subscriber cancelled");
                }
                demand--;
            } finally {
                lock.unlock();
            }
            subscriber.onNext(item);
        }

        @Override
        public boolean cancelled() {
            return cancelled.get();
        }

        @Override
        public void onCancel(Runnable hook) {
            hooks.add(hook);
            if (cancelled.get()) {
                hook.run();
            }
        }
    }
}
