package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.events.EventBus;
import farm.llama.atmosphere.runtime.http.ApiServer;
import farm.llama.atmosphere.runtime.identity.AdminToken;
import farm.llama.atmosphere.runtime.identity.ApiKeys;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.NodeEvent;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node serving its data dir: the data-dir lock held, the HTTP API listening, {@code node.json}
 * naming it. {@link #stopApi()} announces the stop, closes the API and removes {@code node.json};
 * {@link #close()} then releases the lock, once nothing of the node runs any more.
 */
public final class NodeServer implements AutoCloseable {

    private final DataDirLock lock;
    private final ApiServer api;
    private final URI address;
    private final EventBus events;
    private boolean apiStopped;

    private NodeServer(DataDirLock lock, ApiServer api, URI address, EventBus events) {
        this.lock = lock;
        this.api = api;
        this.address = address;
        this.events = events;
    }

    /**
     * Locks the data dir, starts the API and writes {@code node.json}.
     *
     * @param dataDir the data dir
     * @param config the configuration
     * @param host the address to bind
     * @param port the port (0 for any free one)
     * @param node what the API serves
     * @param events the node's event stream
     * @param router the router (the OpenAI-compatible API routes through it)
     * @param nodeId this node
     * @param startedAt when the node started
     * @param stop asks the node to stop (the admin's {@code POST /api/v1/node/stop}, answered before it runs)
     * @return the serving node
     * @throws AtmosphereException if another node serves this data dir or the port is taken
     */
    public static NodeServer start(DataDir dataDir, NodeConfig config, String host, int port, NodeApi node, EventBus events,
                                   RouterService router, String nodeId, Instant startedAt, Runnable stop) {
        DataDirLock lock = DataDirLock.acquire(dataDir);
        try {
            AdminToken token = AdminToken.loadOrCreate(dataDir.adminTokenFile());
            ApiServer api = new ApiServer(config, host, port, node, () -> health(nodeId), events, token, router, new ApiKeys(dataDir.apiKeysFile()),
                    stop);
            String shownHost = host.contains(":") ? "[" + host + "]" : host;
            String scheme = config.tlsKeystore().isPresent() ? "https" : "http";
            URI address = URI.create(scheme + "://" + ("0.0.0.0".equals(host) || "::".equals(host) ? "127.0.0.1" : shownHost)
                    + ":" + api.port());
            lock.writeNodeFile(address, nodeId, startedAt);
            return new NodeServer(lock, api, address, events);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** The body of {@code /health}: no secret, only what the CLI checks. */
    private static Map<String, Object> health(String nodeId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("nodeId", nodeId);
        m.put("version", Atmosphere.version());
        return m;
    }

    /** @return the API's base address */
    public URI address() {
        return address;
    }

    /** @return the port the API listens on */
    public int port() {
        return api.port();
    }

    /** Announces the stop, closes the API and removes {@code node.json}; the lock stays held (idempotent). */
    public synchronized void stopApi() {
        if (apiStopped) {
            return;
        }
        apiStopped = true;
        events.publish(new NodeEvent("node.stopping", Instant.now(), Map.of()));
        api.close();
        lock.removeNodeFile();
    }

    /** Stops the API if it still runs, then releases the data dir's lock. */
    @Override
    public synchronized void close() {
        stopApi();
        lock.close();
    }
}
