package farm.llama.atmosphere.runtime.api;

import java.util.List;

/**
 * The roster of roles this node holds, signed by the mesh key (shown under {@code roles} of {@code GET /api/v1/mesh}).
 *
 * @param version the roster's version
 * @param founder the founder's node id
 * @param admins the admins now
 * @param retired the former admins and from when their signatures no longer count
 */
public record Roles(long version, String founder, List<String> admins, List<Retired> retired) {

    /**
     * @param node a former admin
     * @param at from when its signatures no longer count (ISO-8601)
     */
    public record Retired(String node, String at) {
    }

    /** Copies. */
    public Roles {
        admins = List.copyOf(admins);
        retired = List.copyOf(retired);
    }
}
