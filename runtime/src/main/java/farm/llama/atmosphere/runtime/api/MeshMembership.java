package farm.llama.atmosphere.runtime.api;

/**
 * The mesh this node belongs to, as stored ({@code POST /api/v1/mesh/create}, {@code mesh create --json}).
 *
 * @param meshId the mesh's id
 * @param name its name
 * @param role this node's role: founder, admin or member
 * @param createdAt when this node joined or founded it (ISO-8601)
 * @param certificateExpires when this node's membership certificate expires (ISO-8601)
 */
public record MeshMembership(String meshId, String name, String role, String createdAt, String certificateExpires) {
}
