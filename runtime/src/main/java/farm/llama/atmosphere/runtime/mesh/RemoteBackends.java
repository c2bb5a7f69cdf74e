package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.api.MemberCost;
import farm.llama.atmosphere.runtime.api.SharedCapability;
import farm.llama.atmosphere.runtime.discovery.BackendState;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Members as backends of this node's router: one per live member that shares capabilities,
 * reached over the mesh ({@link MeshBackendClient}), priced by the member's published cost (a
 * suspect member costs more). The same object stays while the member's profile and state are
 * unchanged, so its count of requests in flight holds. Thread-safe.
 */
final class RemoteBackends {

    private static final System.Logger LOG = System.getLogger(RemoteBackends.class.getName());
    /** A suspect member is still a candidate, but only when healthier ones are not much better. */
    private static final double SUSPECT_PENALTY = 4.0;
    /** Requests a member serves at once for this node. */
    private static final int CONCURRENCY = 8;

    private final String nodeId;
    private final MeshForwarding forwarding;
    private final Map<String, BackendState> backends = new ConcurrentHashMap<>();
    private final Map<String, String> versions = new ConcurrentHashMap<>();

    /**
     * @param nodeId this node (never its own backend)
     * @param forwarding carries requests to members
     */
    RemoteBackends(String nodeId, MeshForwarding forwarding) {
        this.nodeId = nodeId;
        this.forwarding = forwarding;
    }

    /**
     * @param rt the running mesh
     * @param known the members as this node knows them
     * @param costs the members' published costs
     * @return a backend per live member that shares capabilities
     */
    List<BackendState> of(MeshRuntime rt, Collection<KnownMember> known, Map<String, MemberCost> costs) {
        Map<String, MemberState> states = rt.members();
        List<BackendState> out = new ArrayList<>();
        for (KnownMember k : known) {
            MemberState state = states.get(k.nodeId());
            if (k.nodeId().equals(nodeId) || (state != MemberState.ALIVE && state != MemberState.SUSPECT) || k.capabilities().isEmpty()) {
                continue;
            }
            String version = k.profileVersion() + "|" + state;
            BackendState b = backends.get(k.nodeId());
            if (b == null || !version.equals(versions.get(k.nodeId()))) {
                MemberCost c = costs.get(k.nodeId());
                double cost = (c == null ? 1.0 : c.overall()) * (state == MemberState.SUSPECT ? SUSPECT_PENALTY : 1.0);
                b = BackendState.remote(new MeshBackendClient(k.nodeId(), k.endpoint(), forwarding), CONCURRENCY, capabilities(k), cost,
                        rt.roundTrip(k.nodeId()));
                backends.put(k.nodeId(), b);
                versions.put(k.nodeId(), version);
            }
            out.add(b);
        }
        return out;
    }

    private static List<Capability> capabilities(KnownMember k) {
        List<Capability> out = new ArrayList<>();
        for (SharedCapability c : k.capabilities()) {
            try {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("backend", "mesh:" + k.nodeId());
                meta.put("remoteBackend", c.backend());
                meta.put("member", k.name());
                c.sizeBytes().ifPresent(size -> meta.put("sizeBytes", size));
                c.parameters().ifPresent(parameters -> meta.put("parameters", parameters));
                c.permissions().ifPresent(permissions -> meta.put("permissions", permissions));
                c.continues().ifPresent(how -> meta.put(Capability.CONTINUES, how));
                out.add(new Capability(k.nodeId() + "/" + c.id(), k.nodeId(), c.type(), c.name(), c.description(), c.models(), c.tags(),
                        "mesh://" + k.nodeId(), meta));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "skipped a malformed capability of " + k.nodeId() + ": " + e.getMessage());
            }
        }
        return out;
    }
}
