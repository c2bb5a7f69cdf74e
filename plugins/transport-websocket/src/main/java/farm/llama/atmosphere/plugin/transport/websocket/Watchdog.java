package farm.llama.atmosphere.plugin.transport.websocket;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Enforces total deadlines that a per-read socket timeout cannot: a peer that trickles one byte at
 * a time never trips a read timeout, but it passes its handshake or frame deadline. Every watched
 * connection is checked a few times per shortest deadline; a check only compares times and closes
 * sockets, it never waits. The transport owns it and closes it. Thread-safe.
 */
final class Watchdog implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());

    /** Something with deadlines. */
    interface Watched {
        /** @param now {@link System#nanoTime()} at this check; closes what is overdue, must not block */
        void check(long now);
    }

    private final Set<Watched> watched = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker;

    /** @param shortest the shortest deadline it enforces; checks run four times as often (at most every 50 ms, at least every second) */
    Watchdog(Duration shortest) {
        long period = Math.clamp(shortest.toMillis() / 4, 50, 1000);
        ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("atmosphere-ws-watchdog").factory());
        ticker.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    void watch(Watched w) {
        watched.add(w);
    }

    void unwatch(Watched w) {
        watched.remove(w);
    }

    private void tick() {
        long now = System.nanoTime();
        for (Watched w : watched) {
            try {
                w.check(now);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, () -> "a connection check failed: " + e);
            }
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        watched.clear();
    }
}
