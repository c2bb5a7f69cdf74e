package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.annotation.JsonInclude;
import farm.llama.atmosphere.runtime.api.MeasuredLink;
import farm.llama.atmosphere.runtime.api.MemberCost;
import farm.llama.atmosphere.runtime.api.SharedCapability;
import java.util.List;
import java.util.Optional;

/**
 * What a member tells the mesh about itself ({@code profile} messages, protocol version 7): who
 * it is, its role and the proof of it, its coarse cost factors, the capabilities it offers and the
 * links it measures to other members.
 * Read back field by field ({@code MeshService.learnProfile}): one malformed capability or cost
 * costs only that part, never the member's whole profile.
 *
 * @param nodeId the member
 * @param name its name
 * @param endpoint where it listens
 * @param version the profile's version (newer replaces older)
 * @param role founder, admin or member, as it claims
 * @param roleProof the proof of a founder's or admin's role
 * @param cost its coarse cost factors
 * @param capabilities what it offers
 * @param links the links it measures itself to other members (transport, round trip)
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
record MemberProfile(String nodeId, String name, String endpoint, long version, String role, Optional<String> roleProof, MemberCost cost,
                     List<SharedCapability> capabilities, List<MeasuredLink> links) {

    /** Copies. */
    MemberProfile {
        roleProof = roleProof == null ? Optional.empty() : roleProof;
        capabilities = List.copyOf(capabilities);
        links = List.copyOf(links);
    }
}
