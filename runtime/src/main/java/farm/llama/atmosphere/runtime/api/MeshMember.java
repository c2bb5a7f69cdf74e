package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A member as this node sees it ({@code GET /api/v1/mesh/members}, {@code mesh members --json}); this node itself first.
 *
 * @param nodeId its node id
 * @param name its name
 * @param state alive, suspect, dead or left
 * @param role founder, admin or member (as proven), "" when not known yet
 * @param self whether it is this node
 * @param address where it is reached
 * @param transport the transport of the link in use ({@code websocket}, {@code relay})
 * @param lastSeen when it was last heard (ISO-8601), null if never
 * @param capabilityCount how many capabilities it offers
 * @param rttMs the measured round trip, once measured (never for this node)
 * @param cost its published cost factors, once known
 * @param capabilities what it offers (absent for this node)
 * @param admittedBy the admin whose certificate signed its membership, "" for the mesh key
 * @param certificate valid, reissue-pending or cut-off
 * @param error why it is refused (another protocol version), when it is
 * @param links the links it measures itself to other members (for this node: its own measurements; for a member: those
 *              it published in its profile), once known
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record MeshMember(String nodeId, String name, String state, String role, boolean self, String address, String transport,
                         @JsonInclude(JsonInclude.Include.ALWAYS) String lastSeen, int capabilityCount,
                         Optional<Double> rttMs, Optional<MemberCost> cost,
                         Optional<List<SharedCapability>> capabilities, String admittedBy, String certificate, Optional<String> error,
                         Optional<List<MeasuredLink>> links) {

    /** Validates; a missing optional is empty. */
    public MeshMember {
        Objects.requireNonNull(nodeId, "nodeId");
        rttMs = Optionals.orEmpty(rttMs);
        cost = Optionals.orEmpty(cost);
        capabilities = Optionals.orEmpty(capabilities).map(List::copyOf);
        error = Optionals.orEmpty(error);
        links = Optionals.orEmpty(links).map(List::copyOf);
    }

    /** @return whether it is alive */
    public boolean alive() {
        return "alive".equals(state);
    }
}
