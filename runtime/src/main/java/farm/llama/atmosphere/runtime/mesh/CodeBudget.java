package farm.llama.atmosphere.runtime.mesh;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How many wrong short codes an issuer takes in a minute: a budget per source address, so one host
 * on the LAN cannot switch short codes off for everyone, and a ceiling for all addresses together,
 * so many hosts cannot search the code space quickly either. Thread-safe.
 */
final class CodeBudget {

    private static final long WINDOW_MS = 60_000;
    /** Addresses remembered at most; beyond, the oldest quiet ones are forgotten (the ceiling still holds). */
    private static final int MAX_ADDRESSES = 4096;

    private final int perAddress;
    private final int overall;
    private final Map<String, ArrayDeque<Long>> byAddress = new HashMap<>();
    private final ArrayDeque<Long> all = new ArrayDeque<>();

    CodeBudget(int perAddress, int overall) {
        this.perAddress = perAddress;
        this.overall = overall;
    }

    /**
     * @param remote a link's remote address ({@code /127.0.0.1:54321}, {@code host:port})
     * @return the address without the port
     */
    static String address(String remote) {
        String r = remote.startsWith("/") ? remote.substring(1) : remote;
        int colon = r.lastIndexOf(':');
        return colon > 0 ? r.substring(0, colon) : r;
    }

    private static void prune(ArrayDeque<Long> q, long now) {
        while (!q.isEmpty() && now - q.peekFirst() > WINDOW_MS) {
            q.pollFirst();
        }
    }

    /**
     * @param address where a request comes from
     * @param now the time in ms
     * @return why the budget is spent, if it is
     */
    synchronized Optional<String> spent(String address, long now) {
        prune(all, now);
        if (all.size() >= overall) {
            return Optional.of("too many wrong short codes were tried here in the last minute, from " + overall
                    + " attempts of all hosts; wait a minute and try again");
        }
        ArrayDeque<Long> q = byAddress.get(address);
        if (q != null) {
            prune(q, now);
            if (q.size() >= perAddress) {
                return Optional.of("too many wrong short codes were tried here in the last minute from " + address
                        + "; wait a minute and try again");
            }
        }
        return Optional.empty();
    }

    /**
     * @param address where a wrong or expired code came from
     * @param now the time in ms
     */
    synchronized void failed(String address, long now) {
        if (byAddress.size() >= MAX_ADDRESSES && !byAddress.containsKey(address)) {
            byAddress.values().forEach(q -> prune(q, now));
            byAddress.values().removeIf(ArrayDeque::isEmpty);
        }
        if (byAddress.size() < MAX_ADDRESSES || byAddress.containsKey(address)) {
            byAddress.computeIfAbsent(address, k -> new ArrayDeque<>()).addLast(now);
        }
        all.addLast(now);
    }
}
