package farm.llama.atmosphere.runtime.node;

import com.fasterxml.jackson.core.type.TypeReference;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.RouteFeedback;
import farm.llama.atmosphere.runtime.agents.AgentService;
import farm.llama.atmosphere.runtime.agents.Triggers;
import farm.llama.atmosphere.runtime.api.AdminChange;
import farm.llama.atmosphere.runtime.api.AgentAnswer;
import farm.llama.atmosphere.runtime.api.AgentReport;
import farm.llama.atmosphere.runtime.api.AgentTypeReport;
import farm.llama.atmosphere.runtime.api.AgentTypes;
import farm.llama.atmosphere.runtime.api.BackendReport;
import farm.llama.atmosphere.runtime.api.CostReport;
import farm.llama.atmosphere.runtime.api.DeployStatus;
import farm.llama.atmosphere.runtime.api.Invite;
import farm.llama.atmosphere.runtime.api.JoinDecision;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.api.MeshLeft;
import farm.llama.atmosphere.runtime.api.MeshMember;
import farm.llama.atmosphere.runtime.api.MeshMembership;
import farm.llama.atmosphere.runtime.api.MeshReport;
import farm.llama.atmosphere.runtime.api.ModelEntry;
import farm.llama.atmosphere.runtime.api.NearbyNode;
import farm.llama.atmosphere.runtime.api.NetworkReport;
import farm.llama.atmosphere.runtime.api.PendingJoin;
import farm.llama.atmosphere.runtime.api.PluginReport;
import farm.llama.atmosphere.runtime.api.PolicyReport;
import farm.llama.atmosphere.runtime.api.PullStatus;
import farm.llama.atmosphere.runtime.api.RevocationReport;
import farm.llama.atmosphere.runtime.api.StatusReport;
import farm.llama.atmosphere.runtime.api.ToolReport;
import farm.llama.atmosphere.runtime.api.TriggerFired;
import farm.llama.atmosphere.runtime.api.TriggerReport;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.config.PluginSettings;
import farm.llama.atmosphere.runtime.discovery.DiscoveryService;
import farm.llama.atmosphere.runtime.events.EventBus;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.MeshService;
import farm.llama.atmosphere.runtime.mesh.MeshSettings;
import farm.llama.atmosphere.runtime.mesh.ModelShares;
import farm.llama.atmosphere.runtime.mesh.SharingPolicy;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.routing.CostModel;
import farm.llama.atmosphere.runtime.routing.RouteExamples;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.tools.ToolGrants;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.ConfigView;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.NodeStatus;
import farm.llama.atmosphere.spi.agent.AgentTypeProvider;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

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
    private final DeferredRouting routing = new DeferredRouting();
    private final DeferredWork work = new DeferredWork();
    private final DiscoveryService discovery;
    private final RouterService router;
    private volatile boolean scanned;
    private final Clock clock = Clock.systemUTC();
    private final Instant startedAt = Instant.now();
    private final LivePlugins live;
    private final ToolGrants grants;
    private final ProviderWiring wiring;
    private volatile NodeServer server;
    private final java.util.concurrent.CompletableFuture<Void> stopRequest = new java.util.concurrent.CompletableFuture<>();
    private final MeshService mesh;
    private final SharingPolicy policy;
    private final AgentService agents;
    private final Triggers triggers;
    private final ToolRouter toolRouter;
    private final ModelCatalogue catalogue;
    private final ModelDeploys deploys;
    private final ModelPulls pulls;
    private final LanLoop lan;
    private final MeshOperations meshOps;
    private final AgentOperations agentOps;
    private final Workloads workloads;
    private final StatusReporter statuses;

    private Node(DataDir dataDir, NodeConfig config, Optional<Path> imagePlugins) {
        this.dataDir = dataDir;
        this.config = config;
        this.identity = Identity.load(dataDir.identityFile());
        this.name = config.nodeName().orElse(identity.name());
        this.events = new EventBus(identity.nodeId());
        this.plugins = new PluginHost(imagePlugins, dataDir.pluginsDir(), dataDir.pluginStateDir(),
                Atmosphere.version(), config.pluginsEnabled());
        // what the wiring opened, closed newest first if a later step fails (a bad config value, a plugin that throws)
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        opened.push(plugins);
        try {
            this.plugins.start();
            List<String> problems = PluginSettings.problems(config.asMap(), config::where,
                    family -> plugins.providers(family).stream().map(PluginHost.Found::provider).toList());
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            this.wiring = new ProviderWiring(plugins, config, dataDir, identity, name, clock, this::publish, this::nodeStatus, routing, this::fireForPlugin,
                    work);
            this.grants = ToolGrants.of(config.view().subtree("tools").asMap().get("grants"));
            this.live = new LivePlugins(plugins, wiring, grants, this::publish);
            opened.push(live);
            this.workloads = new Workloads(live::tools, this::agentService, identity.nodeId());
            this.statuses = new StatusReporter(identity.nodeId(), name, dataDir, startedAt, plugins, live::tools, this::address);
            this.discovery = new DiscoveryService(plugins.providers(DiscoveryProvider.class),
                    f -> wiring.of("discovery", "discovery", f), plugins::providerFailed,
                    config.view().subtree("discovery"), config.asMap().get("backends"), this::publish);
            opened.push(discovery);
            this.router = new RouterService(discovery, live.engine(), new CostModel(config.view().subtree("cost")),
                    this::publish, identity.nodeId(),
                    config.view().number("routing.max-attempts").orElseThrow().intValue(),
                    config.view().duration("routing.queue-timeout").orElseThrow(),
                    config.view().duration("routing.timeout").orElseThrow());
            this.router.examples(new RouteExamples(dataDir.path(), config.asMap().get("routing") instanceof Map<?, ?> routing
                    ? routing.get("examples") : null));
            routing.target(router, this::ensureScanned);
            live.router(router);
            this.mesh = new MeshService(dataDir, identity, name,
                    MeshSettings.of(config.view().subtree("mesh")), wiring::transport,
                    () -> workloads.with(discovery.capabilities()), this::cost, this::publish, clock);
            opened.push(mesh);
            this.policy = SharingPolicy.of(config.view().subtree("policy"));
            mesh.policy(policy);
            this.catalogue = new ModelCatalogue(discovery, mesh, identity.nodeId(), this::ensureScanned, this::publish);
            mesh.calls().shares(new ModelShares(config.view().list("models.shared-dirs").stream()
                    .map(ConfigView::expandHome).toList(),
                    dataDir.path(), catalogue::backendFile));
            this.deploys = new ModelDeploys(discovery, mesh, () -> grants, identity.nodeId(), this::ensureScanned, this::publish);
            opened.push(deploys);
            this.pulls = new ModelPulls(mesh, catalogue, config.view().path("models.dir").orElse(dataDir.path().resolve("models")),
                    config.view().string("models.max-transfer-rate"), () -> server != null, this::publish);
            opened.push(pulls);
            this.toolRouter = new ToolRouter(live::tools, mesh, grants, router, identity.nodeId(), this::publish);
            NodeTools nodeTools = new NodeTools(live::tools, toolRouter);
            this.lan = new LanLoop(mesh, identity.nodeId(), name);
            this.meshOps = new MeshOperations(mesh, dataDir, identity.nodeId(), () -> server != null);
            opened.push(meshOps);
            router.remoteBackends(mesh::remoteBackends);
            mesh.calls().serving(new ServingForMembers(router, live::tools, this::agentService, deploys));
            this.agents = new AgentService(identity.nodeId(), dataDir.agentsDir(),
                    dataDir.agentRegistryFile(), new AgentWorkbench(router, discovery, mesh, nodeTools, toolRouter, this::publish),
                    () -> plugins.providers(AgentTypeProvider.class),
                    f -> wiring.of("agents", "agent", f), plugins::providerFailed, () -> grants);
            opened.push(agents);
            work.target(nodeTools, agents);
            live.onChange(agents::pluginsChanged);
            agents.maxPerCaller(atLeastOne("agents.max-per-caller"));
            this.triggers = Triggers.of(config.asMap().get("triggers"), agents,
                    (type, data) -> publish(new NodeEvent(type, Instant.now(), data)), clock, atLeastOne("agents.trigger-queue"));
            router.localWorkloads(workloads);
            this.agentOps = new AgentOperations(agents, triggers, dataDir.agentsDir(), this::ensureScanned, this::publish);
        } catch (RuntimeException | Error e) {
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private int atLeastOne(String key) {
        long n = config.view().number(key).orElseThrow();
        if (n < 1 || n > 100_000) {
            throw new AtmosphereException(key + " must be 1-100000, got " + n + ".");
        }
        return (int) n;
    }

    /** A plugin fires a trigger: it sees the firing in the SPI's plain form. */
    private Map<String, Object> fireForPlugin(String capability, String event, Map<String, Object> payload) {
        var t = triggers;
        if (t == null) {
            throw new CallFailedException(FailureKind.UNREACHABLE, "The node is still starting; fire triggers once it runs.");
        }
        return Json.MAPPER.convertValue(t.fire(capability, event, payload, false),
                new TypeReference<Map<String, Object>>() { });
    }

    /** @return the agent service (null while the constructor wires what comes before it) */
    private AgentService agentService() {
        return agents;
    }

    /** @return the router over this node's backends */
    public RouterService router() {
        return router;
    }

    /** @return backend discovery */
    public DiscoveryService discovery() {
        return discovery;
    }

    private void ensureScanned() {
        if (!scanned) {
            scanned = true;
            if (server == null) {
                discovery.scanNow();
            }
        }
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
        DataFiles.checkNotNewer(dataDir);
        return new Node(dataDir, config, imagePlugins);
    }

    /** @return the node's identity */
    public Identity identity() {
        return identity;
    }

    private void publish(NodeEvent event) {
        events.publish(event);
    }

    private NodeStatus nodeStatus() {
        return statuses.forProviders();
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
        long t0 = System.nanoTime();
        NodeServer s = NodeServer.start(dataDir, config, host, port, this, events, router, identity.nodeId(), startedAt,
                () -> stopRequest.complete(null));
        try {
            server = s;
            scanned = true;
            discovery.start();
            mesh.start();
            if (config.view().bool("mesh.mdns").orElseThrow()) {
                lan.start(s::port);
            }
        } catch (RuntimeException e) {
            server = null;
            s.close();
            throw e;
        }
        publish(new NodeEvent("node.started", Instant.now(), Map.of("address", s.address().toString(), "version", Atmosphere.version())));
        LOG.log(System.Logger.Level.INFO, () -> "Atmosphere " + Atmosphere.version() + " node " + identity.nodeId()
                + " (" + name + ") serving on " + s.address() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return s.address();
    }

    /** @return the API's base address, if serving */
    public Optional<URI> address() {
        return Optional.ofNullable(server).map(NodeServer::address);
    }

    @Override
    public StatusReport status() {
        return statuses.report();
    }

    @Override
    public List<PluginReport> plugins() {
        return plugins.report();
    }

    @Override
    public PluginReport enablePlugin(String id) {
        return live.enable(id);
    }

    @Override
    public PluginReport disablePlugin(String id) {
        return live.disable(id);
    }

    @Override
    public List<PluginReport> reloadPlugins(Optional<String> id) {
        return live.reload(id);
    }

    @Override
    public List<ToolReport> tools() {
        return live.tools().list();
    }

    @Override
    public ToolReport tool(String toolName) {
        return live.tools().find(toolName).orElseThrow(() -> new CallFailedException(FailureKind.NOT_FOUND,
                "No tool named '" + toolName + "'. 'atmosphere tool list' shows the tools."));
    }

    @Override
    public String runTool(String toolName, String argumentsJson) {
        return toolRouter.run(toolName, argumentsJson, Caller.LOCAL);
    }

    @Override
    public List<BackendReport> backends() {
        ensureScanned();
        return discovery.backends().stream().map(StatusReporter::backend).toList();
    }

    @Override
    public List<BackendReport> scan() {
        scanned = true;
        discovery.scanNow();
        return discovery.backends().stream().map(StatusReporter::backend).toList();
    }

    @Override
    public List<Capability> capabilities() {
        ensureScanned();
        return discovery.capabilities();
    }

    @Override
    public RouteDecision route(String intent, Optional<String> model, boolean vision) {
        ensureScanned();
        Set<String> needs = vision ? Set.of("vision/chat") : RouterService.CHAT_TYPES;
        return router.decide(new RouteQuery(intent, needs, model.filter(m -> !m.equals("auto"))));
    }

    @Override
    public RouteFeedback routeFeedback(String intent, String task) {
        ensureScanned();
        RouteExamples.Learned l = router.teaching().feedback(intent, task);
        publish(new NodeEvent("route.taught", Instant.now(), Map.of("task", l.task(), "learned", l.learned())));
        return new RouteFeedback(l.task(), l.intent(), l.learned(),
                router.decide(new RouteQuery(l.intent(), RouterService.CHAT_TYPES, Optional.empty())));
    }

    @Override
    public CostReport cost() {
        CostModel.NodeFactors f = router.costModel().node();
        return new CostReport(identity.nodeId(), f.onBattery(), f.batteryPercent(), f.cpuLoad(), f.memoryUsedPercent(), f.metered(),
                f.multipliers(), f.overall());
    }

    @Override
    public MeshReport mesh() {
        return meshOps.report();
    }

    @Override
    public MeshMembership meshCreate(String meshName) {
        return meshOps.create(meshName);
    }

    @Override
    public Invite meshInvite(Duration ttl, int uses) {
        return meshOps.invite(ttl, uses);
    }

    @Override
    public JoinStatus meshJoin(String target) {
        return meshOps.join(target);
    }

    @Override
    public JoinStatus meshJoinStatus() {
        return meshOps.joinStatus();
    }

    @Override
    public List<MeshMember> meshMembers() {
        return meshOps.members();
    }

    @Override
    public Map<String, Map<String, Long>> meshStats() {
        return meshOps.stats();
    }

    @Override
    public List<PendingJoin> meshPending() {
        return meshOps.pending();
    }

    @Override
    public JoinDecision meshDecide(String nodeId, boolean deny) {
        return meshOps.decide(nodeId, deny);
    }

    @Override
    public RevocationReport meshRevoke(String nodeId, boolean confirm) {
        return meshOps.revoke(nodeId, confirm);
    }

    @Override
    public AdminChange meshAdmin(String nodeId, boolean remove) {
        return meshOps.admin(nodeId, remove);
    }

    @Override
    public List<ModelEntry> models(boolean includeMesh) {
        return catalogue.models(includeMesh);
    }

    @Override
    public DeployStatus modelDeploy(String model, List<String> targets, boolean all) {
        return deploys.deploy(model, targets, all);
    }

    @Override
    public DeployStatus modelDeployStatus() {
        return deploys.status();
    }

    @Override
    public String runToolOn(String nodeId, String toolName, String argumentsJson) {
        return toolRouter.runOn(nodeId, toolName, argumentsJson, Caller.LOCAL);
    }

    @Override
    public PolicyReport policy() {
        return policy.describe();
    }

    @Override
    public MeshLeft meshLeave() {
        return meshOps.leave();
    }

    @Override
    public String chat(String requestJson, Consumer<String> onText) {
        ensureScanned();
        return ChatText.stream(router, requestJson, onText);
    }

    /**
     * @return completes when the admin asked the node to stop over its API ({@code atmosphere stop}:
     *         how a node stops where there are no signals, as on Windows); whoever serves the node closes it then
     */
    public java.util.concurrent.CompletionStage<Void> stopRequested() {
        return stopRequest.copy();
    }

    @Override
    public synchronized void close() {
        lan.close();
        NodeServer s = server;
        server = null;
        if (s != null) {
            s.stopApi();
        }
        deploys.close();
        pulls.close();
        meshOps.close();
        triggers.close();
        agents.close();
        mesh.close();
        discovery.close();
        live.close();
        plugins.close();
        if (s != null) {
            s.close(); // the lock goes last, when nothing of the node runs any more
        }
    }

    // ---- agents and triggers ----

    @Override
    public AgentTypes agentTypes() {
        return agentOps.types();
    }

    @Override
    public AgentTypeReport agentAdd(String fileName, String yaml) {
        return agentOps.add(fileName, yaml);
    }

    @Override
    public List<AgentReport> agents() {
        return agentOps.list();
    }

    @Override
    public AgentReport agentSpawn(String type, JsonText params, Optional<String> intent) {
        return agentOps.spawn(type, params, intent);
    }

    @Override
    public AgentAnswer agentInvoke(String id, String intent, JsonText args) {
        return agentOps.invoke(id, intent, args);
    }

    @Override
    public AgentReport agentStop(String id) {
        return agentOps.stop(id);
    }

    @Override
    public AgentAnswer agentAsk(String intent, String route, JsonText args) {
        return agentOps.ask(intent, route, args);
    }

    @Override
    public List<TriggerReport> triggers() {
        return agentOps.triggers();
    }

    @Override
    public TriggerFired fireTrigger(String capability, String event, JsonText payload, boolean wait) {
        return agentOps.fire(capability, event, payload, wait);
    }

    // ---- models across the mesh, the LAN, the network ----

    @Override
    public PullStatus modelPull(String name, String fromNode, Optional<String> as) {
        return pulls.pull(name, fromNode, as);
    }

    @Override
    public PullStatus modelPullStatus() {
        return pulls.status();
    }

    @Override
    public List<NearbyNode> nearby() {
        return lan.nearby();
    }

    @Override
    public NetworkReport network() {
        return new NetworkReporter(mesh, config.view().bool("mesh.mdns").orElseThrow()).report();
    }
}
