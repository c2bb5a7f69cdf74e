package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the member list in step with the running mesh, once per maintenance round: each member's
 * state, address, last contact and admitter as the mesh sees them now (a newer profile learned
 * meanwhile is kept), a renewal offered to a member whose admitter was removed, and a member's
 * newer profile asked for — at most every {@link #ASK_AGAIN_MILLIS} per member.
 */
final class MemberSync {

    /** How long before a member is asked again for a profile it announced. */
    private static final long ASK_AGAIN_MILLIS = 2000;
    /** A member's last contact is saved when it moved on by more than this. */
    private static final long SEEN_STEP_MILLIS = 10_000;

    /** Offers a member a renewed certificate when the admin that signed its own was removed. */
    @FunctionalInterface
    interface Renewals {
        /**
         * @param rt the running mesh
         * @param member the member
         * @param admitter the admin that signed its membership, "" for the mesh key
         * @param state its state
         */
        void renewIfDue(MeshRuntime rt, String member, String admitter, MemberState state);
    }

    private final String nodeId;
    private final Map<String, KnownMember> known;
    private final Runnable changed;
    private final Renewals renewals;
    private final Map<String, Long> asked = new ConcurrentHashMap<>();

    /**
     * @param nodeId this node (not in its own list)
     * @param known the member list, updated here
     * @param changed told when the list changed (to be saved)
     * @param renewals offers renewals
     */
    MemberSync(String nodeId, Map<String, KnownMember> known, Runnable changed, Renewals renewals) {
        this.nodeId = nodeId;
        this.known = known;
        this.changed = changed;
        this.renewals = renewals;
    }

    /**
     * @param rt the running mesh
     * @param now the time, ms since the epoch
     */
    void sync(MeshRuntime rt, long now) {
        for (Map.Entry<String, MemberState> e : rt.members().entrySet()) {
            String id = e.getKey();
            if (id.equals(nodeId)) {
                continue;
            }
            KnownMember k = known.get(id);
            long heard = rt.lastHeard(id);
            String address = rt.addressOf(id);
            String state = e.getValue().name().toLowerCase(Locale.ROOT);
            if (k == null) {
                k = new KnownMember(id, "", address, state, heard, 0, List.of());
                changed.run();
            } else if (!k.state().equals(state) || (!address.isEmpty() && !address.equals(k.endpoint()))
                    || heard - k.lastSeen() > SEEN_STEP_MILLIS) {
                k = new KnownMember(id, k.name(), address.isEmpty() ? k.endpoint() : address, state,
                        Math.max(heard, k.lastSeen()), k.profileVersion(), k.capabilities(), k.admittedBy());
                changed.run();
            }
            String admitter = rt.admittedBy(id).orElse(k.admittedBy());
            if (!admitter.equals(k.admittedBy())) {
                k = new KnownMember(k.nodeId(), k.name(), k.endpoint(), k.state(), k.lastSeen(), k.profileVersion(), k.capabilities(),
                        admitter);
                changed.run();
            }
            renewals.renewIfDue(rt, id, admitter, e.getValue());
            KnownMember updated = k;
            known.compute(id, (key, current) -> current == null || current.profileVersion() <= updated.profileVersion() ? updated : current);
            k = known.get(id);
            boolean reachable = e.getValue() == MemberState.ALIVE || e.getValue() == MemberState.SUSPECT;
            if (reachable && rt.capabilitiesOf(id) > k.profileVersion() && now - asked.getOrDefault(id, 0L) > ASK_AGAIN_MILLIS) {
                asked.put(id, now);
                rt.send(id, "profile.get", new byte[0]);
            }
        }
    }
}
