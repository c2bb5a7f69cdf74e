package farm.llama.atmosphere.spi;

import java.nio.file.Path;
import java.time.Clock;

/**
 * What the node gives a provider when it creates something: who the node is, where the provider
 * may keep files, its configuration, time, the event stream and the router.
 *
 * <p>Implementations are thread-safe. A context stays valid until the object created with it is
 * closed; after that {@link #publishEvent(NodeEvent)} is silently ignored.
 */
public interface NodeContext {

    /** @return this node's id: the first 16 hex characters of SHA-256 over its raw Ed25519 public key */
    String nodeId();

    /** @return this node's display name */
    String nodeName();

    /** @return the Atmosphere version, for example {@code 0.1.0} */
    String version();

    /**
     * A directory owned by this provider alone, created on first call, under the node's data
     * directory ({@code plugins-data/<family>/<type>}). Files that matter should be written to a
     * temporary file and moved into place.
     *
     * @return an existing, writable directory
     */
    Path dataDir();

    /** @return the provider's configuration subtree ({@code <family>.<type>} in {@code config.yaml}) */
    ConfigView config();

    /** @return the clock to use for all time decisions (tests and the simulator inject their own) */
    Clock clock();

    /**
     * Publishes an event to the node's live event stream. Never blocks; events may be dropped
     * for slow subscribers. Must not carry secrets.
     *
     * @param event the event
     */
    void publishEvent(NodeEvent event);

    /** @return a current snapshot of the node's health */
    NodeStatus status();

    /** @return the node's router, for routed chat, embeddings and explanations */
    RoutingService routing();

    /**
     * The tools this node and its live members offer, to run as a given caller (since 0.2).
     *
     * @return the tools; the default (a context that offers none) finds nothing and runs nothing
     */
    default farm.llama.atmosphere.spi.tool.ToolAccess tools() {
        return NoAccess.INSTANCE;
    }

    /**
     * Passes intents to the agent that fits them, here or on a member (since 0.2).
     *
     * @return the dispatcher; the default (a context without agents) refuses every intent
     */
    default farm.llama.atmosphere.spi.agent.AgentDispatch agents() {
        return NoAccess.INSTANCE;
    }

    /**
     * Fires one of the node's triggers, as a sensor or webhook would with
     * {@code POST /api/v1/triggers/{capability}/{event}}: the event becomes an intent through the
     * trigger's template, is throttled and queued by priority, and is routed to an agent. Returns
     * once queued.
     *
     * @param capability the capability that fires (a key under {@code triggers:} in config)
     * @param event the event
     * @param payload the event's data, filling the template's placeholders (JSON-friendly values)
     * @return {@code id}, {@code intent}, {@code priority}, {@code throttled} (and {@code retryAfterSeconds})
     * @throws CallFailedException NOT_FOUND for a trigger that is not defined, INVALID_REQUEST for a
     *         payload the template cannot use
     */
    default java.util.Map<String, Object> fireTrigger(String capability, String event, java.util.Map<String, Object> payload) {
        throw new CallFailedException(FailureKind.NOT_FOUND, "This node context takes no triggers.");
    }
}
