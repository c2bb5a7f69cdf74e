package farm.llama.atmosphere.runtime.mesh.swim;

import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage.Update;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Membership news waiting to be piggy-backed on probes and acks: each member's latest update is
 * passed on a bounded number of times, least-sent first, as many as fit a message's byte budget.
 * Not thread-safe: its {@link SwimNode} guards it.
 */
final class GossipQueue {

    /** member → how often its update was sent so far; and the same, bucketed by that count, oldest first. */
    private final Map<String, Integer> pending = new HashMap<>();
    private final List<LinkedHashSet<String>> sentTimes = new ArrayList<>();

    /** @param member a member whose update changed: passed on afresh */
    void enqueue(String member) {
        Integer before = pending.put(member, 0);
        if (before != null) {
            sentTimes.get(before).remove(member);
        }
        bucket(0).add(member);
    }

    /** @return whether no news waits */
    boolean isEmpty() {
        return pending.isEmpty();
    }

    private LinkedHashSet<String> bucket(int count) {
        while (sentTimes.size() <= count) {
            sentTimes.add(new LinkedHashSet<>());
        }
        return sentTimes.get(count);
    }

    /**
     * Takes what goes on the next message. Costs what it returns, not what is pending.
     *
     * @param limit how often an update is sent before it is dropped
     * @param maxBytes the byte budget (at least one update is taken)
     * @param updateOf a member's current update
     * @param passable whether an update may go out now (one nothing vouches for is dropped)
     * @return the updates, least sent first
     */
    List<Update> take(int limit, int maxBytes, Function<String, Update> updateOf, Predicate<Update> passable) {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<Update> out = new ArrayList<>();
        List<String> chosen = new ArrayList<>();
        int bytes = 0;
        fill:
        for (LinkedHashSet<String> bucket : sentTimes) {
            for (Iterator<String> it = bucket.iterator(); it.hasNext(); ) {
                String k = it.next();
                Update u = updateOf.apply(k);
                if (!passable.test(u)) {
                    it.remove(); // nobody would take it: nothing vouches for it yet
                    pending.remove(k);
                    continue;
                }
                bytes += u.wireSize();
                if (bytes > maxBytes && !out.isEmpty()) {
                    break fill;
                }
                out.add(u);
                chosen.add(k);
            }
        }
        for (String k : chosen) {
            int count = pending.get(k);
            sentTimes.get(count).remove(k);
            if (count + 1 >= limit) {
                pending.remove(k);
            } else {
                pending.put(k, count + 1);
                bucket(count + 1).add(k);
            }
        }
        return out;
    }
}
