package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The mesh this node belongs to ({@code GET /api/v1/mesh}, {@code mesh status --json}); every field
 * but {@code nodeId} and {@code member} is absent when it belongs to none.
 *
 * @param nodeId this node
 * @param member whether it belongs to a mesh
 * @param meshId the mesh's id
 * @param name its name
 * @param role this node's role: founder, admin or member
 * @param createdAt when this node founded or joined it (ISO-8601)
 * @param certificateExpires when its membership certificate expires (ISO-8601)
 * @param revoked the node ids revoked
 * @param roles the roster of roles this node holds, once it holds one
 * @param running whether the mesh runs here
 * @param endpoints where this node listens for the mesh
 * @param problem why the mesh does not run, when it cannot
 * @param members how many members this node knows, itself included
 * @param alive how many of them are alive
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record MeshReport(String nodeId, boolean member, Optional<String> meshId, Optional<String> name, Optional<String> role,
                         Optional<String> createdAt, Optional<String> certificateExpires, Optional<List<String>> revoked,
                         Optional<Roles> roles, Optional<Boolean> running, Optional<List<String>> endpoints, Optional<String> problem,
                         Optional<Integer> members, Optional<Long> alive) {

    /** Validates; a missing optional is empty. */
    public MeshReport {
        Objects.requireNonNull(nodeId, "nodeId");
        meshId = Optionals.orEmpty(meshId);
        name = Optionals.orEmpty(name);
        role = Optionals.orEmpty(role);
        createdAt = Optionals.orEmpty(createdAt);
        certificateExpires = Optionals.orEmpty(certificateExpires);
        revoked = Optionals.orEmpty(revoked).map(List::copyOf);
        roles = Optionals.orEmpty(roles);
        running = Optionals.orEmpty(running);
        endpoints = Optionals.orEmpty(endpoints).map(List::copyOf);
        problem = Optionals.orEmpty(problem);
        members = Optionals.orEmpty(members);
        alive = Optionals.orEmpty(alive);
    }

    /**
     * @param nodeId this node
     * @return the report of a node in no mesh
     */
    public static MeshReport none(String nodeId) {
        return new MeshReport(nodeId, false, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** @return whether the mesh runs here */
    public boolean runs() {
        return running.orElse(false);
    }
}
