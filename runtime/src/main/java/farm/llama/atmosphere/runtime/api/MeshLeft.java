package farm.llama.atmosphere.runtime.api;

/**
 * The mesh this node left ({@code POST /api/v1/mesh/leave}).
 *
 * @param meshId its id
 * @param name its name
 */
public record MeshLeft(String meshId, String name) {
}
