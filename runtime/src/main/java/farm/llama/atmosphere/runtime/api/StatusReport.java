package farm.llama.atmosphere.runtime.api;

import java.util.Objects;
import java.util.Optional;

/**
 * The node's status, as {@code atmosphere status} and {@code GET /api/v1/status} show it.
 *
 * @param nodeId the node id
 * @param name its name
 * @param version the Atmosphere version
 * @param dataDir the data directory
 * @param serving whether a node process is serving this data dir
 * @param address where its API listens, if serving
 * @param pid the serving process, if serving
 * @param startedAt when it started (ISO-8601), if serving
 * @param uptimeSeconds how long it has served, if serving
 * @param plugins plugin counts
 * @param tools how many tools are available
 * @param meshId the mesh this node belongs to, if any
 * @param meshRole its role there ({@code founder}, {@code admin}, {@code member}), if any
 */
public record StatusReport(String nodeId, String name, String version, String dataDir, boolean serving,
                           Optional<String> address, Optional<Long> pid, Optional<String> startedAt,
                           Optional<Long> uptimeSeconds, Plugins plugins, int tools, Optional<String> meshId,
                           Optional<String> meshRole) {

    /**
     * @param total plugins found
     * @param started plugins running
     * @param disabled plugins the owner disabled
     * @param failed plugins that failed
     */
    public record Plugins(int total, int started, int disabled, int failed) {
    }

    /** Validates. */
    public StatusReport {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(pid, "pid");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(uptimeSeconds, "uptimeSeconds");
        Objects.requireNonNull(plugins, "plugins");
        Objects.requireNonNull(meshId, "meshId");
        Objects.requireNonNull(meshRole, "meshRole");
    }
}
