package farm.llama.atmosphere.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of the node's health, as tools and agents may report it.
 *
 * @param nodeId the node id (16 hex characters)
 * @param name the node's display name
 * @param version the Atmosphere version
 * @param startedAt when this node process started
 * @param uptime how long it has run
 * @param pluginsStarted plugins loaded and started
 * @param pluginsFailed plugins that failed to load or start
 * @param tools tools available on this node
 * @param serving whether the node is serving its API (false for one-shot CLI use)
 */
public record NodeStatus(String nodeId, String name, String version, Instant startedAt, Duration uptime,
                         int pluginsStarted, int pluginsFailed, int tools, boolean serving) {

    /** Validates. */
    public NodeStatus {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(uptime, "uptime");
    }
}
