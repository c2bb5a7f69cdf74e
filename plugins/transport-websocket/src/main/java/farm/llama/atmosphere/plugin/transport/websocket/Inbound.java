package farm.llama.atmosphere.plugin.transport.websocket;

import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mesh port's admission of inbound connections and its counters. A connection takes a
 * {@link Slot} when it is accepted, before any TLS work, or is refused at once as {@code busy}:
 * over the total cap, or over the cap of connections from its address that have not presented a
 * membership certificate. Members (authenticated at the TLS handshake) count only against the total.
 * Bytes held in partial messages of unauthenticated connections are counted, with their peak, so an
 * operator can see what strangers cost. Thread-safe.
 */
final class Inbound {

    /** Reasons a connection is refused or closed, as counted. */
    static final String BUSY = "busy";
    static final String TOO_LARGE = "too_large";
    static final String TIMEOUT = "timeout";
    static final String IDLE = "idle";

    private final int maxConnections;
    private final int maxUnauthenticatedPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger unauthenticated = new AtomicInteger();
    private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong heldPeak = new AtomicLong();

    Inbound(int maxConnections, int maxUnauthenticatedPerAddress) {
        this.maxConnections = maxConnections;
        this.maxUnauthenticatedPerAddress = maxUnauthenticatedPerAddress;
    }

    /**
     * @param address the peer's address
     * @return a slot, or empty (counted {@code busy}) when a cap is reached
     */
    Optional<Slot> admit(InetAddress address) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            count(BUSY);
            return Optional.empty();
        }
        boolean[] room = {false};
        perAddress.compute(address, (a, n) -> {
            int now = n == null ? 0 : n;
            room[0] = now < maxUnauthenticatedPerAddress;
            return room[0] ? now + 1 : (n == null ? null : n);
        });
        if (!room[0]) {
            open.decrementAndGet();
            count(BUSY);
            return Optional.empty();
        }
        unauthenticated.incrementAndGet();
        return Optional.of(new Slot(address, true));
    }

    /** @return the slot of a link this node opened: its server authenticated at the TLS handshake, and it counts against no cap */
    Slot outbound() {
        Slot s = new Slot(null, false);
        s.authenticated = true;
        return s;
    }

    void count(String reason) {
        counts.computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet();
    }

    /** @return open connections and what they hold, and refusals by reason */
    Map<String, Long> counters() {
        Map<String, Long> out = new TreeMap<>();
        for (String r : new String[] {BUSY, TOO_LARGE, TIMEOUT, IDLE}) {
            out.put(r, 0L);
        }
        counts.forEach((k, v) -> out.put(k, v.get()));
        out.put("connections", (long) open.get());
        out.put("unauthenticated", (long) unauthenticated.get());
        out.put("unauthenticated_bytes", held.get());
        out.put("unauthenticated_bytes_peak", heldPeak.get());
        return out;
    }

    /** One inbound connection's place: released exactly once, when the connection ends. */
    final class Slot {
        private final InetAddress address;
        private final boolean counted;
        private boolean released;
        private volatile boolean authenticated;
        private long mine;

        private Slot(InetAddress address, boolean counted) {
            this.address = address;
            this.counted = counted;
        }

        /** The peer presented a membership certificate: it no longer counts as a stranger. */
        synchronized void authenticated() {
            if (!released && !authenticated) {
                authenticated = true;
                leaveAddress();
            }
        }

        /** @return whether the peer presented a membership certificate */
        boolean isAuthenticated() {
            return authenticated;
        }

        /**
         * @param delta bytes this connection now holds more (or, negative, fewer) in partial messages
         */
        synchronized void hold(long delta) {
            if (authenticated || released || delta == 0) {
                return;
            }
            mine += delta;
            long now = held.addAndGet(delta);
            heldPeak.accumulateAndGet(now, Math::max);
        }

        synchronized void release() {
            if (released || !counted) {
                return;
            }
            released = true;
            open.decrementAndGet();
            if (!authenticated) {
                leaveAddress();
                held.addAndGet(-mine);
                mine = 0;
            }
        }

        private void leaveAddress() {
            unauthenticated.decrementAndGet();
            perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        }
    }
}
