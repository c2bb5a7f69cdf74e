package farm.llama.atmosphere.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.events.EventBus;
import farm.llama.atmosphere.runtime.http.ApiServer;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.NodeStatus;
import farm.llama.atmosphere.spi.Provider;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An Atmosphere node over one data directory. {@link #open} loads identity, config and plugins;
 * {@link #serve} additionally locks the data dir, starts the HTTP API and writes
 * {@code node.json}. Thread-safe.
 */
public final class Node implements NodeApi, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Node.class.getName());

    private final DataDir dataDir;
    private final NodeConfig config;
    private final Identity identity;
    private final String name;
    private final PluginHost plugins;
    private final EventBus events;
    private final LocalRouting routing = new LocalRouting();
    private final Clock clock = Clock.systemUTC();
    private final Instant startedAt = Instant.now();
    private volatile ToolRegistry tools;
    private FileChannel lockChannel;
    private FileLock lock;
    private ApiServer server;
    private URI address;

    private Node(DataDir dataDir, NodeConfig config, Optional<Path> imagePlugins) {
        this.dataDir = dataDir;
        this.config = config;
        this.identity = Identity.load(dataDir.identityFile());
        this.name = config.nodeName().orElse(identity.name());
        this.events = new EventBus(identity.nodeId());
        this.plugins = new PluginHost(imagePlugins, dataDir.pluginsDir(), dataDir.pluginStateDir(),
                Atmosphere.version(), config.pluginsEnabled());
        this.plugins.start();
        this.tools = buildTools();
    }

    /**
     * Opens the node in-process: loads its identity and plugins, serves nothing.
     *
     * @param dataDir the data dir (must hold an identity: {@code atmosphere init})
     * @param config the configuration
     * @param imagePlugins the image's {@code plugins/} folder, if running from an image
     * @return the node; close it when done
     */
    public static Node open(DataDir dataDir, NodeConfig config, Optional<Path> imagePlugins) {
        return new Node(dataDir, config, imagePlugins);
    }

    /** @return the node's identity */
    public Identity identity() {
        return identity;
    }

    private ToolRegistry buildTools() {
        List<PluginHost.Found<ToolProvider>> providers = plugins.providers(ToolProvider.class);
        return new ToolRegistry(providers, f -> contextFor("tools", "tool", f), plugins::providerFailed,
                config.view().list("tools.enabled-outside"));
    }

    /**
     * @param section the config section of the family ({@code tools}, {@code discovery}, {@code routing}, ...)
     * @param family the family's short name, for the provider's data folder
     * @param found the provider
     */
    private NodeContext contextFor(String section, String family, PluginHost.Found<? extends Provider> found) {
        String type = found.provider().type();
        return new ProviderContext(identity, name, dataDir.pluginDataDir().resolve(family).resolve(type),
                config.view().subtree(section).subtree(type), clock, this::publish, this::nodeStatus, routing);
    }

    private void publish(NodeEvent event) {
        events.publish(event);
    }

    private NodeStatus nodeStatus() {
        List<PluginReport> reports = plugins.report();
        return new NodeStatus(identity.nodeId(), name, Atmosphere.version(), startedAt,
                Duration.between(startedAt, Instant.now()),
                (int) reports.stream().filter(r -> r.state().equals("started")).count(),
                (int) reports.stream().filter(r -> r.state().equals("failed")).count(),
                tools.size(), server != null);
    }

    /**
     * Serves the node: locks the data dir, starts the HTTP API, writes {@code node.json}.
     *
     * @param host the address to bind (from config unless overridden)
     * @param port the port (0 for any free one)
     * @return the API's base address
     * @throws AtmosphereException if another node serves this data dir or the port is taken
     */
    public synchronized URI serve(String host, int port) {
        if (server != null) {
            throw new IllegalStateException("already serving");
        }
        lockDataDir();
        try {
            long t0 = System.nanoTime();
            AdminToken token = AdminToken.loadOrCreate(dataDir.adminTokenFile());
            server = new ApiServer(config, host, port, this, this::health, events, token);
            String shownHost = host.contains(":") ? "[" + host + "]" : host;
            String scheme = config.tlsKeystore().isPresent() ? "https" : "http";
            address = URI.create(scheme + "://" + ("0.0.0.0".equals(host) || "::".equals(host) ? "127.0.0.1" : shownHost)
                    + ":" + server.port());
            writeNodeFile();
            publish(new NodeEvent("node.started", Instant.now(), Map.of("address", address.toString(), "version", Atmosphere.version())));
            LOG.log(System.Logger.Level.INFO, "Atmosphere " + Atmosphere.version() + " node " + identity.nodeId()
                    + " (" + name + ") serving on " + address + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            return address;
        } catch (RuntimeException e) {
            releaseLock();
            throw e;
        }
    }

    private void lockDataDir() {
        try {
            Files.createDirectories(dataDir.path());
            lockChannel = FileChannel.open(dataDir.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
        } catch (IOException e) {
            throw new AtmosphereException("Cannot lock " + dataDir.lockFile() + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            try {
                lockChannel.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
            String who = NodeClient.readNodeFile(dataDir)
                    .map(n -> " (pid " + n.path("pid").asText() + " at " + n.path("address").asText() + ")")
                    .orElse("");
            throw new AtmosphereException("Another Atmosphere node is already serving " + dataDir.path() + who
                    + ". Stop it first, or give this node its own data dir with --data-dir or ATMOSPHERE_DATA_DIR.");
        }
    }

    private void releaseLock() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "releasing lock: " + e.getMessage());
        }
        lock = null;
        lockChannel = null;
    }

    private void writeNodeFile() {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("format", 1);
        json.put("pid", ProcessHandle.current().pid());
        json.put("address", address.toString());
        json.put("nodeId", identity.nodeId());
        json.put("version", Atmosphere.version());
        json.put("startedAt", startedAt.toString());
        try {
            AtomicFiles.writeString(dataDir.nodeFile(), Json.pretty(json) + "\n", AtomicFiles.SHARED);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot write " + dataDir.nodeFile() + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Object> health() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("nodeId", identity.nodeId());
        m.put("version", Atmosphere.version());
        return m;
    }

    /** @return the API's base address, if serving */
    public Optional<URI> address() {
        return Optional.ofNullable(address);
    }

    @Override
    public StatusReport status() {
        List<PluginReport> reports = plugins.report();
        StatusReport.Plugins counts = new StatusReport.Plugins(reports.size(),
                (int) reports.stream().filter(r -> r.state().equals("started")).count(),
                (int) reports.stream().filter(r -> r.state().equals("disabled")).count(),
                (int) reports.stream().filter(r -> r.state().equals("failed")).count());
        boolean serving = server != null;
        return new StatusReport(identity.nodeId(), name, Atmosphere.version(), dataDir.path().toString(), serving,
                Optional.ofNullable(address).map(URI::toString),
                serving ? Optional.of(ProcessHandle.current().pid()) : Optional.empty(),
                serving ? Optional.of(startedAt.toString()) : Optional.empty(),
                serving ? Optional.of(Duration.between(startedAt, Instant.now()).toSeconds()) : Optional.empty(),
                counts, tools.size());
    }

    @Override
    public List<PluginReport> plugins() {
        return plugins.report();
    }

    @Override
    public PluginReport enablePlugin(String id) {
        PluginReport r = plugins.enable(id);
        pluginsChanged("plugin.enabled", id);
        return r;
    }

    @Override
    public PluginReport disablePlugin(String id) {
        PluginReport r = plugins.disable(id);
        pluginsChanged("plugin.disabled", id);
        return r;
    }

    @Override
    public List<PluginReport> reloadPlugins(Optional<String> id) {
        plugins.reload(id);
        pluginsChanged("plugin.reloaded", id.orElse("*"));
        return plugins.report();
    }

    private synchronized void pluginsChanged(String event, String id) {
        ToolRegistry old = tools;
        tools = buildTools();
        old.close();
        publish(new NodeEvent(event, Instant.now(), Map.of("plugin", id)));
    }

    @Override
    public List<ToolReport> tools() {
        return tools.list();
    }

    @Override
    public ToolReport tool(String toolName) {
        return tools.find(toolName).orElseThrow(() -> new CallFailedException(FailureKind.NOT_FOUND,
                "No tool named '" + toolName + "'. 'atmosphere tool list' shows the tools."));
    }

    @Override
    public String runTool(String toolName, String argumentsJson) {
        String result = tools.run(toolName, argumentsJson, "local");
        publish(new NodeEvent("tool.ran", Instant.now(), Map.of("tool", toolName, "caller", "local")));
        return result;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            publish(new NodeEvent("node.stopping", Instant.now(), Map.of()));
            server.close();
            server = null;
            try {
                Optional<JsonNode> mine = NodeClient.readNodeFile(dataDir)
                        .filter(n -> n.path("pid").asLong() == ProcessHandle.current().pid());
                if (mine.isPresent()) {
                    Files.deleteIfExists(dataDir.nodeFile());
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "Cannot remove " + dataDir.nodeFile() + ": " + e.getMessage());
            }
        }
        tools.close();
        plugins.close();
        releaseLock();
    }
}
