package farm.llama.atmosphere.runtime.relay;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed admissions per source address within the last minute: an address that failed as often as
 * the limit is refused as {@code rate_limited} until its oldest failure ages out. Only the latest
 * failures are kept (as many as the limit), and at most {@link #MAX_ADDRESSES} addresses.
 * Thread-safe.
 */
final class FailedAdmissions {

    /** Addresses remembered at most; beyond, those no longer limited are forgotten. */
    private static final int MAX_ADDRESSES = 100_000;
    private static final long MINUTE_MILLIS = 60_000;

    private final int perMinute;
    /** Per source address: when its latest failed admissions happened (ms), oldest first. */
    private final Map<String, ArrayDeque<Long>> failures = new ConcurrentHashMap<>();

    /** @param perMinute failed admissions an address may cause per minute */
    FailedAdmissions(int perMinute) {
        this.perMinute = perMinute;
    }

    /** @return failed admissions an address may cause per minute */
    int perMinute() {
        return perMinute;
    }

    /** @param address a source address whose admission failed now */
    void failed(String address) {
        long now = System.currentTimeMillis();
        ArrayDeque<Long> times = failures.computeIfAbsent(address, k -> new ArrayDeque<>());
        synchronized (times) {
            times.addLast(now);
            while (times.size() > perMinute) {
                times.removeFirst();
            }
        }
        if (failures.size() > MAX_ADDRESSES) {
            failures.entrySet().removeIf(e -> !limited(e.getKey()));
        }
    }

    /**
     * @param address a source address
     * @return whether it failed admission as often as the limit within the last minute
     */
    boolean limited(String address) {
        ArrayDeque<Long> times = failures.get(address);
        if (times == null) {
            return false;
        }
        synchronized (times) {
            return times.size() >= perMinute && System.currentTimeMillis() - times.peekFirst() < MINUTE_MILLIS;
        }
    }
}
