package farm.llama.atmosphere.runtime.mesh.swim;

import java.time.Duration;
import java.util.Objects;

/**
 * Timers and constants of the membership protocol (SWIM with Lifeguard-style suspicion, as
 * HashiCorp's memberlist runs it).
 *
 * @param probeInterval how often a node probes one member
 * @param probeTimeout how long it waits for a direct ack before asking others to probe
 * @param indirectChecks how many members it asks ({@code k})
 * @param suspicionMult suspicion timeout = mult × log10(n) × probe interval (at least)
 * @param suspicionMaxMult the timeout starts at maxMult × the minimum and shrinks with independent confirmations
 * @param gossipInterval how often pending updates are gossiped
 * @param gossipFanout to how many members
 * @param retransmitMult each update is sent retransmitMult × log10(n+1) times
 * @param pushPullInterval how often a full state exchange (anti-entropy) runs with one member
 * @param maxPiggybackBytes how many bytes of updates ride on one message (each counted at its size on the wire,
 *                          signature included): 1400, memberlist's budget
 */
public record SwimConfig(Duration probeInterval, Duration probeTimeout, int indirectChecks, int suspicionMult,
                         int suspicionMaxMult, Duration gossipInterval, int gossipFanout, int retransmitMult,
                         Duration pushPullInterval, int maxPiggybackBytes) {

    /** Validates. */
    public SwimConfig {
        Objects.requireNonNull(probeInterval);
        Objects.requireNonNull(probeTimeout);
        Objects.requireNonNull(gossipInterval);
        Objects.requireNonNull(pushPullInterval);
        if (probeTimeout.compareTo(probeInterval) >= 0) {
            throw new IllegalArgumentException("probe timeout must be shorter than the probe interval");
        }
        if (maxPiggybackBytes < 256) {
            throw new IllegalArgumentException("the piggy-back budget must hold at least one signed update (256 bytes), got " + maxPiggybackBytes);
        }
    }

    /** @return memberlist's LAN defaults, with a 1 s probe interval and a 200 ms gossip interval */
    public static SwimConfig lan() {
        return new SwimConfig(Duration.ofSeconds(1), Duration.ofMillis(500), 3, 3, 6, Duration.ofMillis(200), 3, 4,
                Duration.ofSeconds(30), 1400);
    }

    /**
     * Lifeguard's suspicion timeout: it starts at {@code suspicionMaxMult} times the minimum and
     * shrinks towards the minimum ({@code suspicionMult × log10(members) × probe interval}) as
     * independent members confirm the suspicion.
     *
     * @param members live members, this node included
     * @param confirmations confirmations from other members so far
     * @return the timeout, ms
     */
    public long suspicionTimeout(int members, int confirmations) {
        int n = Math.max(1, members);
        double min = suspicionMult * Math.max(1, Math.log10(n)) * probeInterval.toMillis();
        double max = suspicionMaxMult * min;
        int k = indirectChecks;
        if (n - 2 < k) {
            // too few members to ever collect k independent confirmations (memberlist does the same)
            return (long) min;
        }
        double t = max - (max - min) * Math.log(confirmations + 1) / Math.log(k + 1);
        return (long) Math.max(min, t);
    }
}
