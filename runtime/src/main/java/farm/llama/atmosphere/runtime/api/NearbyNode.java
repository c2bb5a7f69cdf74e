package farm.llama.atmosphere.runtime.api;

/**
 * An Atmosphere node heard on the LAN over mDNS ({@code GET /api/v1/nearby}).
 *
 * @param nodeId its node id
 * @param name its name
 * @param meshId the mesh it belongs to, empty if none
 * @param host its address
 * @param meshPort its mesh port
 * @param apiPort its API port
 * @param lastSeen when it was last heard (ISO-8601)
 */
public record NearbyNode(String nodeId, String name, String meshId, String host, int meshPort, int apiPort, String lastSeen) {
}
