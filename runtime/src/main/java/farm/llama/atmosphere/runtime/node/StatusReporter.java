package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.api.BackendReport;
import farm.llama.atmosphere.runtime.api.PluginReport;
import farm.llama.atmosphere.runtime.api.StatusReport;
import farm.llama.atmosphere.runtime.discovery.BackendState;
import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.NodeStatus;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** The node's status: for {@code atmosphere status} and the API, for providers (the SPI's form), and each backend's. */
public final class StatusReporter {

    private static final System.Logger LOG = System.getLogger(StatusReporter.class.getName());

    private final String nodeId;
    private final String name;
    private final DataDir dataDir;
    private final Instant startedAt;
    private final PluginHost plugins;
    private final Supplier<ToolRegistry> tools;
    private final Supplier<Optional<URI>> address;

    /**
     * @param nodeId this node
     * @param name its display name
     * @param dataDir its data dir
     * @param startedAt when it started
     * @param plugins its plugins
     * @param tools its tools (rebuilt when plugins change)
     * @param address where it serves, while it does
     */
    public StatusReporter(String nodeId, String name, DataDir dataDir, Instant startedAt, PluginHost plugins, Supplier<ToolRegistry> tools,
                          Supplier<Optional<URI>> address) {
        this.nodeId = nodeId;
        this.name = name;
        this.dataDir = dataDir;
        this.startedAt = startedAt;
        this.plugins = plugins;
        this.tools = tools;
        this.address = address;
    }

    /** @return the status as the API and the CLI show it */
    public StatusReport report() {
        List<PluginReport> reports = plugins.report();
        StatusReport.Plugins counts = new StatusReport.Plugins(reports.size(), count(reports, "started"), count(reports, "disabled"),
                count(reports, "failed"));
        Optional<URI> serving = address.get();
        Optional<MeshStore.MeshInfo> mesh;
        try {
            mesh = new MeshStore(dataDir).info();
        } catch (AtmosphereException e) {
            // status stays available; GET /api/v1/mesh and 'mesh status' report the damage
            LOG.log(System.Logger.Level.WARNING, e::getMessage);
            mesh = Optional.empty();
        }
        return new StatusReport(nodeId, name, Atmosphere.version(), dataDir.path().toString(), serving.isPresent(),
                serving.map(URI::toString),
                serving.map(a -> ProcessHandle.current().pid()),
                serving.map(a -> startedAt.toString()),
                serving.map(a -> Duration.between(startedAt, Instant.now()).toSeconds()),
                counts, tools.get().size(), mesh.map(MeshStore.MeshInfo::meshId), mesh.map(MeshStore.MeshInfo::role));
    }

    /** @return the status as providers see it through the SPI */
    public NodeStatus forProviders() {
        List<PluginReport> reports = plugins.report();
        return new NodeStatus(nodeId, name, Atmosphere.version(), startedAt, Duration.between(startedAt, Instant.now()),
                count(reports, "started"), count(reports, "failed"), tools.get().size(), address.get().isPresent());
    }

    private static int count(List<PluginReport> reports, String state) {
        return (int) reports.stream().filter(r -> r.state().equals(state)).count();
    }

    /**
     * @param b a backend
     * @return it as the API reports it (latency and throughput to one decimal)
     */
    public static BackendReport backend(BackendState b) {
        return new BackendReport(b.id(), b.type(), b.info().url().toString(), b.info().version(), b.up() ? "up" : "down",
                Math.round(b.latencyMs() * 10) / 10.0, Math.round(b.tokensPerSecond() * 10) / 10.0, b.inFlight(),
                b.concurrency(), b.capabilities().size(), b.lastError(), b.lastSeen().map(Instant::toString));
    }
}
