package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Heals splits: a member this node has written off (suspect, dead, or without an address) that
 * is heard again — on the LAN through mDNS, or connected to a relay — is probed where it was heard.
 * Strangers are ignored: only known members count, and every link and message is still
 * authenticated. One attempt per member per {@link #RETRY}.
 */
final class Rediscovery {

    private static final System.Logger LOG = System.getLogger(Rediscovery.class.getName());
    private static final Duration RETRY = Duration.ofSeconds(15);

    private final String self;
    private final Supplier<MeshRuntime> runtime;
    private final Map<String, KnownMember> known;
    private final Supplier<Revocations> revocations;
    private final Clock clock;
    private final Map<String, Long> tried = new ConcurrentHashMap<>();
    private volatile LanPresence lan;

    Rediscovery(String self, Supplier<MeshRuntime> runtime, Map<String, KnownMember> known, Supplier<Revocations> revocations, Clock clock) {
        this.self = self;
        this.runtime = runtime;
        this.known = known;
        this.revocations = revocations;
        this.clock = clock;
    }

    /** @param presence this node on the LAN, or null when mDNS is off */
    void lan(LanPresence presence) {
        this.lan = presence;
    }

    /** @return this node on the LAN, when mDNS runs */
    Optional<LanPresence> lan() {
        return Optional.ofNullable(lan);
    }

    /**
     * @param nodeId a node heard
     * @param endpoint where it can be reached now
     * @param where how it was heard, for the log ("on the LAN")
     */
    void heard(String nodeId, String endpoint, String where) {
        MeshRuntime rt = runtime.get();
        KnownMember k = known.get(nodeId);
        Revocations rev = revocations.get();
        if (rt == null || k == null || nodeId.equals(self) || k.state().equals("left") || rev == null || rev.revoked().contains(nodeId)) {
            return;
        }
        MemberState state = rt.members().get(nodeId);
        if (state == MemberState.ALIVE || state == MemberState.LEFT) {
            return;
        }
        long now = clock.millis();
        Long last = tried.get(nodeId);
        if (last != null && now - last < RETRY.toMillis()) {
            return;
        }
        tried.put(nodeId, now);
        LOG.log(System.Logger.Level.INFO, () -> "member " + nodeId + " ('" + k.name() + "') heard " + where + " at " + endpoint + "; probing it there");
        rt.admit(nodeId, endpoint);
    }
}
