package farm.llama.atmosphere.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import farm.llama.atmosphere.runtime.api.Roles;
import farm.llama.atmosphere.runtime.api.StatusReport;
import farm.llama.atmosphere.runtime.api.TaskState;
import farm.llama.atmosphere.runtime.api.ToolReport;
import farm.llama.atmosphere.runtime.api.TriggerFired;
import farm.llama.atmosphere.runtime.api.TriggerReport;
import farm.llama.atmosphere.runtime.discovery.BackendState;
import farm.llama.atmosphere.runtime.discovery.DiscoveryService;
import farm.llama.atmosphere.runtime.events.EventBus;
import farm.llama.atmosphere.runtime.http.ApiServer;
import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.runtime.mesh.Revocations;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.routing.ChatCall;
import farm.llama.atmosphere.runtime.routing.ChatRequests;
import farm.llama.atmosphere.runtime.routing.CostModel;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.tools.Caller;
import farm.llama.atmosphere.runtime.tools.ToolRegistry;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.NodeStatus;
import farm.llama.atmosphere.spi.Provider;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;
import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.Router;
import farm.llama.atmosphere.spi.routing.RouterProvider;
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
import java.util.Set;

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
    private final DiscoveryService discovery;
    private final RouterService router;
    private volatile Embedder embedder;
    private final Router routerImpl;
    private volatile boolean scanned;
    private final Clock clock = Clock.systemUTC();
    private final Instant startedAt = Instant.now();
    private volatile ToolRegistry tools;
    private final farm.llama.atmosphere.runtime.tools.ToolGrants grants;
    private final java.util.concurrent.atomic.AtomicReference<DeployStatus> deployState = new java.util.concurrent.atomic.AtomicReference<>(DeployStatus.IDLE);
    private final java.util.concurrent.atomic.AtomicReference<PullStatus> pullState = new java.util.concurrent.atomic.AtomicReference<>(PullStatus.IDLE);
    private FileChannel lockChannel;
    private FileLock lock;
    private ApiServer server;
    private URI address;
    private final farm.llama.atmosphere.runtime.mesh.MeshService mesh;
    private final farm.llama.atmosphere.runtime.mesh.SharingPolicy policy;
    private final java.util.concurrent.atomic.AtomicReference<JoinStatus> joinState = new java.util.concurrent.atomic.AtomicReference<>(JoinStatus.IDLE);
    private final farm.llama.atmosphere.runtime.agents.AgentService agents;
    private final farm.llama.atmosphere.runtime.agents.Triggers triggers;

    private Node(DataDir dataDir, NodeConfig config, Optional<Path> imagePlugins) {
        this.dataDir = dataDir;
        this.config = config;
        this.identity = Identity.load(dataDir.identityFile());
        this.name = config.nodeName().orElse(identity.name());
        this.events = new EventBus(identity.nodeId());
        this.plugins = new PluginHost(imagePlugins, dataDir.pluginsDir(), dataDir.pluginStateDir(),
                Atmosphere.version(), config.pluginsEnabled());
        this.plugins.start();
        this.grants = farm.llama.atmosphere.runtime.tools.ToolGrants.of(config.view().subtree("tools").asMap().get("grants"));
        this.tools = buildTools();
        this.embedder = createEmbedder();
        this.routerImpl = createRouter();
        this.discovery = new DiscoveryService(plugins.providers(DiscoveryProvider.class),
                f -> contextFor("discovery", "discovery", f), plugins::providerFailed,
                config.view().subtree("discovery"), config.asMap().get("backends"), this::publish);
        this.router = new RouterService(discovery, embedder, routerImpl, new CostModel(config.view().subtree("cost")),
                this::publish, identity.nodeId(),
                config.view().number("routing.max-attempts").orElse(3L).intValue(),
                config.view().duration("routing.queue-timeout").orElse(Duration.ofSeconds(5)),
                config.view().duration("routing.timeout").orElse(Duration.ofSeconds(120)));
        routing.target(router);
        this.mesh = new farm.llama.atmosphere.runtime.mesh.MeshService(dataDir, identity, name,
                farm.llama.atmosphere.runtime.mesh.MeshSettings.of(config.view().subtree("mesh")), this::createTransport,
                this::sharedCapabilities, this::cost, this::publish, clock);
        this.policy = farm.llama.atmosphere.runtime.mesh.SharingPolicy.of(config.view().subtree("policy"));
        mesh.policy(policy);
        mesh.shares(new farm.llama.atmosphere.runtime.mesh.ModelShares(config.view().list("models.shared-dirs").stream()
                .map(d -> Path.of(d.startsWith("~/") ? System.getProperty("user.home") + d.substring(1) : d)).toList(),
                dataDir.path(), this::backendFile));
        router.remoteBackends(mesh::remoteBackends);
        mesh.serving(new farm.llama.atmosphere.runtime.mesh.MeshForwarding.LocalServing() {
            @Override
            public ChatCall chat(String model, String json, Duration timeout) {
                return router.startChat(new ChatRequest(model, json, timeout),
                        new RouteQuery("", ChatRequests.needs(json), Optional.of(model)), farm.llama.atmosphere.runtime.routing.Locality.LOCAL);
            }

            @Override
            public String runTool(String toolName, String argumentsJson, Caller caller) {
                return tools.run(toolName, argumentsJson, caller);
            }

            @Override
            public void pull(String model, Caller caller, java.util.function.Consumer<String> progress) {
                pullHere(model, caller, progress);
            }

            @Override
            public farm.llama.atmosphere.spi.Embeddings embed(String model, List<String> input) {
                return router.embedRouted(new farm.llama.atmosphere.spi.EmbedRequest(model, input),
                        farm.llama.atmosphere.runtime.routing.Locality.LOCAL).embeddings();
            }

            @Override
            public String invokeAgent(String type, String intent, String argsJson, Caller caller) {
                return Json.write(agents.invokeType(type, intent, jsonObject(argsJson, "args"), caller));
            }
        });
        this.agents = new farm.llama.atmosphere.runtime.agents.AgentService(identity.nodeId(), dataDir.agentsDir(),
                dataDir.agentRegistryFile(), new NodeWorkbench(),
                plugins.providers(farm.llama.atmosphere.spi.agent.AgentTypeProvider.class),
                f -> contextFor("agents", "agent", f), plugins::providerFailed, () -> grants);
        agents.maxPerCaller(atLeastOne("agents.max-per-caller", 8));
        this.triggers = farm.llama.atmosphere.runtime.agents.Triggers.of(config.asMap().get("triggers"), agents,
                (type, data) -> publish(new NodeEvent(type, Instant.now(), data)), clock, atLeastOne("agents.trigger-queue", 100));
        router.localWorkloads(this::workloadCapabilities);
    }

    private int atLeastOne(String key, int otherwise) {
        long n = config.view().number(key).orElse((long) otherwise);
        if (n < 1 || n > 100_000) {
            throw new AtmosphereException(key + " must be 1-100000, got " + n + ".");
        }
        return (int) n;
    }

    /** @return what this node shares with the mesh: its backends' capabilities, its tools and its agent types */
    private List<Capability> sharedCapabilities() {
        List<Capability> out = new java.util.ArrayList<>(discovery.capabilities());
        out.addAll(workloadCapabilities());
        return out;
    }

    /** @return {@code tool/<name>} for each enabled tool and {@code agent/<type>} for each agent type */
    private List<Capability> workloadCapabilities() {
        List<Capability> out = new java.util.ArrayList<>();
        for (ToolReport t : tools.list()) {
            if (!t.enabled()) {
                continue;
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("backend", "tools");
            meta.put("category", t.category());
            meta.put("parameters", t.parameters().json());
            meta.put("permissions", String.join(",", t.permissions()));
            out.add(new Capability("tool/" + t.name(), identity.nodeId(), "tool/" + t.name(), t.name(), t.description(), List.of(),
                    List.of("tool", t.category()), "local", meta));
        }
        farm.llama.atmosphere.runtime.agents.AgentService a = agents;
        if (a != null) {
            out.addAll(a.capabilities());
        }
        return out;
    }

    /** Members' live capabilities of one family ({@code tool}, {@code agent}). */
    private List<Capability> remoteOf(String family) {
        List<Capability> out = new java.util.ArrayList<>();
        for (var b : mesh.remoteBackends()) {
            for (Capability c : b.capabilities()) {
                if (c.family().equals(family)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    private static Map<String, Object> jsonObject(String json, String what) {
        JsonNode n;
        try {
            n = Json.parse(json == null || json.isBlank() ? "{}" : json);
        } catch (IllegalArgumentException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "'" + what + "' is " + e.getMessage());
        }
        if (!n.isObject()) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "'" + what + "' must be a JSON object");
        }
        return Json.MAPPER.convertValue(n, Json.MAPPER.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
    }

    /** @return a JSON object of the API as a map for the agents' SPI (already checked JSON: parsed once, straight into the map) */
    private static Map<String, Object> jsonObject(JsonText json, String what) {
        if (!json.isObject()) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "'" + what + "' must be a JSON object");
        }
        try {
            return Json.MAPPER.readValue(json.json(), Json.MAPPER.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "'" + what + "' is not valid JSON: " + e.getMessage());
        }
    }

    /** What agents use of this node. */
    private final class NodeWorkbench implements farm.llama.atmosphere.runtime.agents.Workbench {

        @Override
        public com.fasterxml.jackson.databind.node.ObjectNode complete(com.fasterxml.jackson.databind.node.ObjectNode body) {
            ensureScanned();
            String json = body.toString();
            String model = body.path("model").asText("auto");
            RouteQuery query = model.equals("auto")
                    ? new RouteQuery(ChatRequests.intent(json), ChatRequests.needs(json), Optional.empty())
                    : new RouteQuery("", ChatRequests.needs(json), Optional.of(model));
            try (ChatCall call = router.startChat(new ChatRequest(model, json, router.firstByteTimeout()), query)) {
                return farm.llama.atmosphere.runtime.routing.ChatCompletions.aggregate(call, false);
            }
        }

        @Override
        public Optional<com.fasterxml.jackson.databind.node.ObjectNode> toolDefinition(String toolName) {
            Optional<ToolReport> local = tools.find(toolName).filter(ToolReport::enabled);
            JsonNode parameters;
            String description;
            if (local.isPresent()) {
                parameters = Json.parse(local.get().parameters().json());
                description = local.get().description();
            } else {
                Optional<Capability> remote = remoteOf("tool").stream().filter(c -> c.name().equals(toolName)).findFirst();
                if (remote.isEmpty()) {
                    return Optional.empty();
                }
                parameters = Json.parse(remote.get().metadata().getOrDefault("parameters", "{\"type\":\"object\"}"));
                description = remote.get().description();
            }
            var def = Json.MAPPER.createObjectNode();
            def.put("type", "function");
            var fn = def.putObject("function");
            fn.put("name", toolName);
            fn.put("description", description);
            fn.set("parameters", parameters);
            return Optional.of(def);
        }

        @Override
        public String runTool(String toolName, String argumentsJson, Caller caller) {
            return runToolRouted(toolName, argumentsJson, caller);
        }

        @Override
        public boolean canChat() {
            java.util.function.Predicate<Capability> chat = c -> RouterService.CHAT_TYPES.contains(c.type());
            return discovery.capabilities().stream().anyMatch(chat)
                    || mesh.remoteBackends().stream().flatMap(b -> b.capabilities().stream()).anyMatch(chat);
        }

        @Override
        public List<Capability> remoteAgents() {
            return remoteOf("agent");
        }

        @Override
        public farm.llama.atmosphere.spi.routing.RouteDecision decide(RouteQuery query) {
            return router.decide(query);
        }

        @Override
        public String invokeRemote(String nodeId, String type, String intent, String argsJson, Caller caller) {
            return mesh.invokeAgent(nodeId, type, intent, argsJson, caller);
        }

        @Override
        public void publish(String type, Map<String, Object> data) {
            Node.this.publish(new NodeEvent(type, Instant.now(), data));
        }
    }

    /**
     * Runs a tool here, or — when this node has no tool of that name — on the member that offers it
     * (the cheapest, when several do).
     */
    private String runToolRouted(String toolName, String argumentsJson, Caller caller) {
        if (tools.find(toolName).isPresent()) {
            String result = tools.run(toolName, argumentsJson, caller);
            publish(new NodeEvent("tool.ran", Instant.now(), Map.of("tool", toolName, "caller", caller.toString())));
            return result;
        }
        List<Capability> offered = remoteOf("tool").stream().filter(c -> c.name().equals(toolName)).toList();
        if (offered.isEmpty()) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "No tool named '" + toolName + "' here or on a live member."
                    + " Tools here: " + String.join(", ", tools.list().stream().map(ToolReport::name).toList()) + ".");
        }
        // this node is a party to the call too: its caller must hold here what the tool needs (as its members say)
        List<String> needs = offered.stream().flatMap(c -> java.util.Arrays.stream(c.metadata().getOrDefault("permissions", "").split(",")))
                .map(String::strip).filter(p -> !p.isEmpty()).distinct().toList();
        grants.missing(caller, needs).ifPresent(m -> {
            throw new CallFailedException(FailureKind.REFUSED, "Tool '" + toolName + "' (on another member) needs " + m.explain(caller));
        });
        // the cheapest member first; one that refuses (no grant for this node) or cannot be reached ran
        // nothing, so the next is asked
        var decision = router.decide(new RouteQuery(toolName, java.util.Set.of("tool/" + toolName), Optional.empty()));
        java.util.LinkedHashSet<String> owners = new java.util.LinkedHashSet<>();
        decision.winner().ifPresent(w -> owners.add(w.capability().nodeId()));
        decision.runnersUp().forEach(r -> owners.add(r.capability().nodeId()));
        offered.forEach(c -> owners.add(c.nodeId()));
        owners.remove(identity.nodeId());
        List<String> refusals = new java.util.ArrayList<>();
        CallFailedException last = null;
        for (String owner : owners) {
            try {
                String result = mesh.runTool(owner, toolName, argumentsJson, caller);
                publish(new NodeEvent("tool.ran", Instant.now(), Map.of("tool", toolName, "caller", caller.toString(), "node", owner)));
                return result;
            } catch (CallFailedException e) {
                if (e.kind() != FailureKind.REFUSED && e.kind() != FailureKind.UNREACHABLE) {
                    throw e; // it may have run: do not run it twice
                }
                last = e;
                refusals.add(e.getMessage());
            }
        }
        throw new CallFailedException(last.kind(), owners.size() == 1 ? last.getMessage()
                : "Every member offering '" + toolName + "' refused or could not be reached: " + String.join(" | ", refusals));
    }

    private Optional<farm.llama.atmosphere.spi.transport.Transport> createTransport(String wanted) {
        for (PluginHost.Found<farm.llama.atmosphere.spi.transport.TransportProvider> f
                : plugins.providers(farm.llama.atmosphere.spi.transport.TransportProvider.class)) {
            if (!wanted.equals(f.provider().type())) {
                continue;
            }
            try {
                return Optional.of(f.provider().create(contextFor("transport", "transport", f)));
            } catch (RuntimeException | LinkageError e) {
                plugins.providerFailed(f.origin(), "transport '" + f.provider().type() + "' failed: " + PluginHost.oneLine(e));
            }
        }
        return Optional.empty();
    }

    private Embedder createEmbedder() {
        Optional<String> wanted = config.view().string("routing.embedder");
        for (PluginHost.Found<EmbedderProvider> f : plugins.providers(EmbedderProvider.class)) {
            if (wanted.isPresent() && !wanted.get().equals(f.provider().type())) {
                continue;
            }
            try {
                Embedder e = f.provider().create(contextFor("embedder", "embedder", f));
                LOG.log(System.Logger.Level.INFO, "Embedder: " + e.id() + " (" + e.dimensions() + " dimensions, from " + f.origin() + ")");
                return e;
            } catch (RuntimeException | LinkageError e) {
                plugins.providerFailed(f.origin(), "embedder '" + f.provider().type() + "' failed: " + PluginHost.oneLine(e));
            }
        }
        if (wanted.isPresent()) {
            LOG.log(System.Logger.Level.WARNING, "routing.embedder '" + wanted.get() + "' is not available; using the lexical embedder");
        }
        return new farm.llama.atmosphere.runtime.routing.LexicalEmbedder();
    }

    private Router createRouter() {
        Optional<String> wanted = config.view().string("routing.router");
        for (PluginHost.Found<RouterProvider> f : plugins.providers(RouterProvider.class)) {
            if (wanted.isPresent() && !wanted.get().equals(f.provider().type())) {
                continue;
            }
            try {
                return f.provider().create(contextFor("routing", "router", f));
            } catch (RuntimeException | LinkageError e) {
                plugins.providerFailed(f.origin(), "router '" + f.provider().type() + "' failed: " + PluginHost.oneLine(e));
            }
        }
        return new farm.llama.atmosphere.runtime.routing.SemanticRouter();
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

    private ToolRegistry buildTools() {
        List<PluginHost.Found<ToolProvider>> providers = plugins.providers(ToolProvider.class);
        Map<String, Duration> timeouts = new LinkedHashMap<>();
        if (config.view().subtree("tools").asMap().get("timeouts") instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                Duration d = farm.llama.atmosphere.runtime.config.Durations.parse(String.valueOf(e.getValue()))
                        .filter(x -> !x.isNegative() && !x.isZero())
                        .orElseThrow(() -> new ConfigException(List.of("tools.timeouts." + e.getKey()
                                + ": expected a duration such as 500ms, 10s or 2m, got '" + e.getValue() + "'")));
                timeouts.put(String.valueOf(e.getKey()), d);
            }
        }
        ToolRegistry registry = new ToolRegistry(providers, f -> contextFor("tools", "tool", f), plugins::providerFailed,
                config.view().list("tools.enabled-outside"), config.view().list("tools.disabled"), timeouts);
        registry.grants(grants);
        return registry;
    }

    /**
     * @param section the config section of the family ({@code tools}, {@code discovery}, {@code routing}, ...)
     * @param family the family's short name, for the provider's data folder
     * @param found the provider
     */
    private NodeContext contextFor(String section, String family, PluginHost.Found<? extends Provider> found) {
        String type = found.provider().type();
        return new ProviderContext(identity, name, dataDir.pluginDataDir().resolve(family).resolve(type),
                config.view().subtree(section).subtree(type), clock, this::publish, this::nodeStatus, routing,
                (capability, event, payload) -> {
                    var t = triggers;
                    if (t == null) {
                        throw new CallFailedException(FailureKind.UNREACHABLE, "The node is still starting; fire triggers once it runs.");
                    }
                    // plugins see the firing in the SPI's plain form
                    return Json.MAPPER.convertValue(t.fire(capability, event, payload, false),
                            new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
                });
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
            server = new ApiServer(config, host, port, this, this::health, events, token, router, new ApiKeys(dataDir.apiKeysFile()));
            scanned = true;
            discovery.start();
            String shownHost = host.contains(":") ? "[" + host + "]" : host;
            String scheme = config.tlsKeystore().isPresent() ? "https" : "http";
            address = URI.create(scheme + "://" + ("0.0.0.0".equals(host) || "::".equals(host) ? "127.0.0.1" : shownHost)
                    + ":" + server.port());
            writeNodeFile();
            mesh.start();
            startLan();
            publish(new NodeEvent("node.started", Instant.now(), Map.of("address", address.toString(), "version", Atmosphere.version())));
            LOG.log(System.Logger.Level.INFO, "Atmosphere " + Atmosphere.version() + " node " + identity.nodeId()
                    + " (" + name + ") serving on " + address + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            return address;
        } catch (RuntimeException e) {
            releaseLock();
            throw e;
        }
    }

    private volatile Thread lanThread;

    /** Advertises this node on the LAN and listens for others (mDNS), in the background, while it serves. */
    private void startLan() {
        if (!config.view().bool("mesh.mdns").orElse(true)) {
            return;
        }
        lanThread = Thread.ofVirtual().name("atmosphere-mdns").start(() -> {
            farm.llama.atmosphere.runtime.mesh.LanPresence presence;
            try {
                presence = farm.llama.atmosphere.runtime.mesh.LanPresence.start(java.net.InetAddress.getByName(mesh.lanAddress()), identity.nodeId());
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "mDNS is off: it cannot start on " + mesh.lanAddress() + " (" + e.getMessage()
                        + "). Set mesh.mdns-address, or mesh.mdns: false to silence this.");
                return;
            }
            mesh.lan(presence);
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    String meshId = mesh.store().info().map(MeshStore.MeshInfo::meshId).orElse("");
                    presence.advertise(name, meshId, server == null ? 0 : server.port(), mesh.listeningPort());
                    for (var heard : presence.nearby()) {
                        if (!meshId.isEmpty() && meshId.equals(heard.meshId()) && heard.meshPort() > 0) {
                            mesh.heardOnLan(heard.nodeId(), heard.endpoint());
                        }
                    }
                    Thread.sleep(2000);
                }
            } catch (InterruptedException e) {
                // stopping
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "mDNS stopped: " + e.getMessage());
            } finally {
                mesh.lan(null);
                presence.close();
            }
        });
    }

    private void lockDataDir() {
        try {
            farm.llama.atmosphere.runtime.util.AtomicFiles.createPrivateDirectories(dataDir.path());
            lockChannel = FileChannel.open(dataDir.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
        } catch (IOException e) {
            throw new AtmosphereException("Cannot lock " + dataDir.lockFile() + ": " + e.getMessage(), e);
        }
        if (lock != null) {
            try {
                int changed = farm.llama.atmosphere.runtime.util.AtomicFiles.tighten(dataDir.path(), dataDir.groupReadable());
                if (changed > 0) {
                    LOG.log(System.Logger.Level.INFO, "made " + changed + " files and folders in " + dataDir.path()
                            + " private to this user (folders 0700, files 0600)");
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot make " + dataDir.path() + " private to this user: " + e.getMessage());
            }
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
            AtomicFiles.writeString(dataDir.nodeFile(), Json.pretty(json) + "\n",
                    dataDir.groupReadable().contains("node.json") ? AtomicFiles.GROUP_READ : AtomicFiles.PRIVATE);
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
        Optional<MeshStore.MeshInfo> mesh;
        try {
            mesh = new MeshStore(dataDir).info();
        } catch (AtmosphereException e) {
            // status stays available; GET /api/v1/mesh and 'mesh status' report the damage
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
            mesh = Optional.empty();
        }
        return new StatusReport(identity.nodeId(), name, Atmosphere.version(), dataDir.path().toString(), serving,
                Optional.ofNullable(address).map(URI::toString),
                serving ? Optional.of(ProcessHandle.current().pid()) : Optional.empty(),
                serving ? Optional.of(startedAt.toString()) : Optional.empty(),
                serving ? Optional.of(Duration.between(startedAt, Instant.now()).toSeconds()) : Optional.empty(),
                counts, tools.size(), mesh.map(MeshStore.MeshInfo::meshId),
                mesh.map(MeshStore.MeshInfo::role));
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
        // the embedder may come from a plugin that was just reloaded, enabled or disabled
        Embedder fresh = createEmbedder();
        Embedder previous = router.swapEmbedder(fresh);
        embedder = fresh;
        if (previous != fresh) {
            previous.close();
        }
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
        return runToolRouted(toolName, argumentsJson, Caller.LOCAL);
    }

    @Override
    public List<BackendReport> backends() {
        ensureScanned();
        return discovery.backends().stream().map(Node::report).toList();
    }

    @Override
    public List<BackendReport> scan() {
        scanned = true;
        discovery.scanNow();
        return discovery.backends().stream().map(Node::report).toList();
    }

    static BackendReport report(BackendState b) {
        return new BackendReport(b.id(), b.type(), b.info().url().toString(), b.info().version(), b.up() ? "up" : "down",
                Math.round(b.latencyMs() * 10) / 10.0, Math.round(b.tokensPerSecond() * 10) / 10.0, b.inFlight(),
                b.concurrency(), b.capabilities().size(), b.lastError(), b.lastSeen().map(Instant::toString));
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
    public CostReport cost() {
        CostModel.NodeFactors f = router.costModel().node();
        return new CostReport(identity.nodeId(), f.onBattery(), f.batteryPercent(), f.cpuLoad(), f.memoryUsedPercent(), f.metered(),
                f.multipliers(), f.overall());
    }

    @Override
    public MeshReport mesh() {
        MeshStore store = new MeshStore(dataDir);
        Optional<MeshStore.MeshInfo> info = store.info();
        if (info.isEmpty()) {
            return MeshReport.none(identity.nodeId());
        }
        MeshStore.MeshInfo i = info.get();
        Revocations standing = new Revocations(store.dir());
        Optional<Roles> roles = standing.roles().current().map(r -> new Roles(r.version(), r.founder(), r.admins(),
                r.retired().stream().map(x -> new Roles.Retired(x.node(), x.at())).toList()));
        List<MeshMember> members = mesh.members();
        return new MeshReport(identity.nodeId(), true, Optional.of(i.meshId()), Optional.of(i.name()), Optional.of(i.role()),
                Optional.of(i.createdAt()), Optional.of(i.certificateExpires()), Optional.of(List.copyOf(standing.revoked())), roles,
                Optional.of(mesh.running()), Optional.of(mesh.endpoints()), Optional.of(mesh.problem()).filter(p -> !p.isEmpty()),
                Optional.of(members.size()), Optional.of(members.stream().filter(MeshMember::alive).count()));
    }

    private boolean serving() {
        return server != null;
    }

    @Override
    public MeshMembership meshCreate(String meshName) {
        MeshStore.MeshInfo info = mesh.store().create(meshName);
        if (serving()) {
            mesh.start();
        }
        return new MeshMembership(info.meshId(), info.name(), info.role(), info.createdAt(), info.certificateExpires());
    }

    @Override
    public Invite meshInvite(Duration ttl, int uses) {
        if (mesh.store().info().isEmpty()) {
            throw new AtmosphereException("This node is not in a mesh. 'atmosphere mesh create -n NAME' creates one.");
        }
        if (uses < 1 || uses > 1000) {
            throw new AtmosphereException("--uses must be 1-1000, got " + uses + ".");
        }
        var invite = mesh.invite(ttl, uses);
        return new Invite(invite.code(), invite.token(), invite.link(), invite.id(), invite.expiresAt(), invite.uses(),
                serving() ? Optional.empty() : Optional.of("this node is not serving: start it with 'atmosphere serve' so the invite can be redeemed"));
    }

    @Override
    public synchronized JoinStatus meshJoin(String target) {
        if (joinState.get().inProgress()) {
            throw new AtmosphereException("A join is already in progress.");
        }
        mesh.store().info().ifPresent(i -> {
            throw new AtmosphereException("This node is already in mesh " + i.meshId() + " ('" + i.name()
                    + "'). Leave it first with 'atmosphere mesh leave'.");
        });
        joinState.set(joinState.get().start());
        Thread.ofVirtual().name("atmosphere-mesh-join").start(() -> {
            try {
                var joined = mesh.join(target, line -> joinState.updateAndGet(j -> j.progress(line,
                        line.startsWith("Waiting") || line.contains("must approve") || j.state() == JoinStatus.State.PENDING)));
                if (serving()) {
                    mesh.start();
                }
                joinState.updateAndGet(j -> j.joined(joined.mesh().meshId(), joined.mesh().name(), joined.via(), joined.members().size()));
            } catch (RuntimeException e) {
                joinState.updateAndGet(j -> j.failed(e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        });
        return meshJoinStatus();
    }

    @Override
    public JoinStatus meshJoinStatus() {
        return joinState.get();
    }

    @Override
    public List<MeshMember> meshMembers() {
        if (mesh.store().info().isEmpty()) {
            throw new AtmosphereException("This node is not in a mesh. 'atmosphere mesh create -n NAME' or 'mesh join' first.");
        }
        return mesh.members();
    }

    @Override
    public Map<String, Map<String, Long>> meshStats() {
        return mesh.stats();
    }

    @Override
    public List<PendingJoin> meshPending() {
        return mesh.pending();
    }

    @Override
    public JoinDecision meshDecide(String nodeId, boolean deny) {
        var p = mesh.decide(nodeId, deny);
        return new JoinDecision(p.nodeId(), p.name(), deny ? JoinDecision.Decision.DENIED : JoinDecision.Decision.APPROVED);
    }

    @Override
    public RevocationReport meshRevoke(String nodeId, boolean confirm) {
        List<String> cutOff = mesh.admittedBy(nodeId);
        var r = mesh.revoke(nodeId, confirm);
        return new RevocationReport(r.node(), r.at(), r.by(), cutOff, serving() && mesh.running());
    }

    @Override
    public AdminChange meshAdmin(String nodeId, boolean remove) {
        if (!nodeId.matches("[0-9a-f]{16}")) {
            throw new AtmosphereException("A node id is 16 hex characters, got '" + nodeId + "'.");
        }
        return mesh.admin(nodeId, remove);
    }

    @Override
    public List<ModelEntry> models(boolean includeMesh) {
        ensureScanned();
        List<Capability> caps = new java.util.ArrayList<>(discovery.capabilities());
        if (includeMesh) {
            mesh.remoteBackends().forEach(b -> caps.addAll(b.capabilities()));
        }
        Map<String, java.util.Set<String>> types = new java.util.TreeMap<>();
        Map<String, List<ModelEntry.Served>> served = new java.util.TreeMap<>();
        for (Capability c : caps) {
            for (String model : c.models().isEmpty() ? List.of(c.name()) : c.models()) {
                String name = model.endsWith(":latest") ? model.substring(0, model.length() - 7) : model;
                types.computeIfAbsent(name, k -> new java.util.TreeSet<>()).add(c.type());
                boolean local = c.nodeId().equals(identity.nodeId());
                String backend = c.metadata().getOrDefault("remoteBackend", c.metadata().getOrDefault("backend", ""));
                String size = c.metadata().get("sizeBytes");
                List<ModelEntry.Served> nodes = served.computeIfAbsent(name, k -> new java.util.ArrayList<>());
                if (nodes.stream().noneMatch(n -> n.nodeId().equals(c.nodeId()) && n.backend().equals(backend))) {
                    nodes.add(new ModelEntry.Served(c.nodeId(), local ? name : c.metadata().getOrDefault("member", ""), backend,
                            c.tags().contains("warm"), size == null ? null : Long.valueOf(size)));
                }
            }
        }
        return types.entrySet().stream().map(e -> new ModelEntry(e.getKey(), List.copyOf(e.getValue()), served.get(e.getKey()))).toList();
    }

    /**
     * Has the first backend here that can pull fetch a model, then rescans so it becomes a capability.
     */
    private void pullHere(String model, Caller caller, java.util.function.Consumer<String> progress) {
        grants.missing(caller, List.of("models:deploy")).ifPresent(p -> {
            throw new CallFailedException(FailureKind.REFUSED, "Deploying models needs " + p.explain(caller));
        });
        ensureScanned();
        CallFailedException last = new CallFailedException(FailureKind.NOT_FOUND, "no backend on node " + identity.nodeId()
                + " can pull models (Ollama can)");
        for (BackendState b : discovery.backends()) {
            if (!b.up()) {
                continue;
            }
            java.util.concurrent.LinkedBlockingQueue<Object> items = new java.util.concurrent.LinkedBlockingQueue<>();
            Object end = new Object();
            b.client().pull(model).subscribe(new java.util.concurrent.Flow.Subscriber<String>() {
                @Override
                public void onSubscribe(java.util.concurrent.Flow.Subscription sub) {
                    sub.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(String item) {
                    items.add(item);
                }

                @Override
                public void onError(Throwable t) {
                    items.add(t);
                }

                @Override
                public void onComplete() {
                    items.add(end);
                }
            });
            try {
                while (true) {
                    Object o = items.take();
                    if (o == end) {
                        discovery.scanNow();
                        publish(new NodeEvent("model.pulled", Instant.now(), Map.of("model", model, "backend", b.id())));
                        return;
                    }
                    if (o instanceof CallFailedException e) {
                        if (e.kind() != FailureKind.NOT_FOUND || e.getMessage().contains("cannot pull " + model)) {
                            throw e;
                        }
                        last = e;
                        break;
                    }
                    if (o instanceof Throwable t) {
                        throw new CallFailedException(FailureKind.INTERNAL, "pulling " + model + " failed: " + t, t);
                    }
                    progress.accept((String) o);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CallFailedException(FailureKind.CANCELLED, "interrupted while pulling " + model);
            }
        }
        throw last;
    }

    @Override
    public synchronized DeployStatus modelDeploy(String model, List<String> targets, boolean all) {
        if (deployState.get().state() == TaskState.RUNNING) {
            throw new AtmosphereException("A deploy is already running; 'atmosphere model deploy' shows it.");
        }
        if (model.isBlank()) {
            throw new AtmosphereException("Name the model to deploy, e.g. 'atmosphere model deploy llama3.2 --all'.");
        }
        List<String> nodes = new java.util.ArrayList<>(all ? mesh.liveMembers() : targets);
        if (all) {
            nodes.add(0, identity.nodeId());
        }
        if (nodes.isEmpty()) {
            throw new AtmosphereException("Say where: --to NODE_ID (repeatable) or --all.");
        }
        deployState.set(DeployStatus.start(model, nodes));
        Thread.ofVirtual().name("atmosphere-deploy").start(() -> {
            List<Thread> workers = new java.util.ArrayList<>();
            for (String n : nodes) {
                workers.add(Thread.ofVirtual().start(() -> {
                    deployState.updateAndGet(d -> d.with(n, DeployStatus.NodeProgress::pulling));
                    java.util.function.Consumer<com.fasterxml.jackson.databind.JsonNode> onProgress = p -> {
                        Optional<Long> total = p.has("total") ? Optional.of(p.path("total").asLong()) : Optional.empty();
                        Optional<Long> completed = p.has("total") ? Optional.of(p.path("completed").asLong()) : Optional.empty();
                        deployState.updateAndGet(d -> d.with(n, st -> st.progress(p.path("status").asText(), total, completed)));
                        Map<String, Object> ev = new LinkedHashMap<>();
                        ev.put("model", model);
                        ev.put("node", n);
                        ev.put("status", p.path("status").asText());
                        if (p.has("total")) {
                            ev.put("total", p.path("total").asLong());
                            ev.put("completed", p.path("completed").asLong());
                        }
                        publish(new NodeEvent("model.progress", Instant.now(), ev));
                    };
                    try {
                        if (n.equals(identity.nodeId())) {
                            pullHere(model, Caller.LOCAL, json -> onProgress.accept(Json.parse(json)));
                        } else {
                            mesh.deploy(n, model, onProgress);
                        }
                        deployState.updateAndGet(d -> d.with(n, DeployStatus.NodeProgress::done));
                    } catch (RuntimeException e) {
                        String why = e.getMessage() == null ? e.toString() : e.getMessage();
                        deployState.updateAndGet(d -> d.with(n, st -> st.failed(why)));
                    }
                }));
            }
            for (Thread w : workers) {
                try {
                    w.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            deployState.updateAndGet(DeployStatus::end);
        });
        return modelDeployStatus();
    }

    @Override
    public DeployStatus modelDeployStatus() {
        return deployState.get();
    }

    @Override
    public String runToolOn(String nodeId, String toolName, String argumentsJson) {
        if (nodeId.equals(identity.nodeId())) {
            return runTool(toolName, argumentsJson);
        }
        if (!nodeId.matches("[0-9a-f]{16}")) {
            throw new AtmosphereException("A node id is 16 hex characters, got '" + nodeId + "'.");
        }
        return mesh.runTool(nodeId, toolName, argumentsJson, Caller.LOCAL);
    }

    @Override
    public PolicyReport policy() {
        return policy.describe();
    }

    @Override
    public MeshLeft meshLeave() {
        var left = mesh.leave().orElseThrow(() -> new AtmosphereException("This node is not in a mesh."));
        joinState.set(JoinStatus.IDLE);
        return new MeshLeft(left.meshId(), left.name());
    }

    @Override
    public String chat(String requestJson, java.util.function.Consumer<String> onText) {
        ensureScanned();
        String model = Json.parse(requestJson).path("model").asText("auto");
        RouteQuery query = model.equals("auto")
                ? new RouteQuery(ChatRequests.intent(requestJson), ChatRequests.needs(requestJson), Optional.empty())
                : new RouteQuery("", ChatRequests.needs(requestJson), Optional.of(model));
        try (ChatCall call = router.startChat(new ChatRequest(model, requestJson, router.firstByteTimeout()), query)) {
            Optional<ChatChunk> c;
            while ((c = call.next()).isPresent()) {
                for (JsonNode choice : Json.parse(c.get().json()).path("choices")) {
                    String text = choice.path("delta").path("content").asText("");
                    if (!text.isEmpty()) {
                        onText.accept(text);
                    }
                }
            }
            return router.routeOf(call.served().capability());
        }
    }

    @Override
    public synchronized void close() {
        Thread l = lanThread;
        if (l != null) {
            l.interrupt(); // it says goodbye on the LAN and closes mDNS on its own; JmDNS takes seconds to close
        }
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
        triggers.close();
        agents.close();
        mesh.close();
        discovery.close();
        embedder.close();
        routerImpl.close();
        tools.close();
        plugins.close();
        releaseLock();
    }

    // ---- agents and triggers ----

    @Override
    public AgentTypes agentTypes() {
        return new AgentTypes(agents.types(), agents.problems());
    }

    @Override
    public AgentTypeReport agentAdd(String fileName, String yaml) {
        String base = Path.of(fileName).getFileName().toString();
        if (!base.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\\.ya?ml")) {
            throw new AtmosphereException("An agent spec file is named like 'my-agent.yaml', got '" + base + "'.");
        }
        var spec = farm.llama.atmosphere.runtime.agents.AgentSpec.parse(yaml, base);
        Path target = dataDir.agentsDir().resolve(base);
        try {
            farm.llama.atmosphere.runtime.util.AtomicFiles.writeString(target, yaml, farm.llama.atmosphere.runtime.util.AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot store the spec in " + target + ": " + e.getMessage(), e);
        }
        AgentTypeReport type = agents.install(spec, target.toString());
        publish(new NodeEvent("agent.type.added", Instant.now(), Map.of("type", spec.type(), "file", target.toString())));
        return type;
    }

    @Override
    public List<AgentReport> agents() {
        return agents.list();
    }

    @Override
    public AgentReport agentSpawn(String type, JsonText params, Optional<String> intent) {
        ensureScanned();
        AgentReport spawned = agents.spawn(type, jsonObject(params, "params"), Caller.LOCAL);
        return intent.map(i -> spawned.withAnswer(agents.invoke(spawned.id(), i, Map.of(), Caller.LOCAL))).orElse(spawned);
    }

    @Override
    public AgentAnswer agentInvoke(String id, String intent, JsonText args) {
        ensureScanned();
        return agents.invoke(id, intent, jsonObject(args, "args"), Caller.LOCAL);
    }

    @Override
    public AgentReport agentStop(String id) {
        return agents.stop(id);
    }

    @Override
    public AgentAnswer agentAsk(String intent, String route, JsonText args) {
        ensureScanned();
        if (intent == null || intent.isBlank()) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "The intent is empty: say what should be done.");
        }
        return agents.dispatch(intent, route, jsonObject(args, "args"), Caller.LOCAL, java.util.Set.of());
    }

    @Override
    public List<TriggerReport> triggers() {
        return triggers.list();
    }

    @Override
    public TriggerFired fireTrigger(String capability, String event, JsonText payload, boolean wait) {
        ensureScanned();
        return triggers.fire(capability, event, jsonObject(payload, "payload"), wait);
    }

    // ---- model files across the mesh ----

    /**
     * @return where a backend on this machine says the weights of a model it serves lie (the mesh's
     *         {@code ModelShares} decides whether that file may be shared; the sharing policy whether this member may have it)
     */
    private Optional<Path> backendFile(String model) {
        for (BackendState b : discovery.backends()) {
            if (!b.up() || !farm.llama.atmosphere.runtime.mesh.ModelShares.onThisMachine(b.info().url())
                    || b.capabilities().stream().noneMatch(c -> RouterService.serves(c, model))) {
                continue;
            }
            try {
                Optional<Path> f = b.client().modelFile(model);
                if (f.isPresent()) {
                    return f;
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, b.id() + " could not say where " + model + " lies: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Registers a pulled file with the first local backend that can import files; returns what happened, for the pull's state. */
    private String registerPulled(String modelName, Path file, String sha256) {
        String why = "no backend here imports model files (Ollama does)";
        for (BackendState b : discovery.backends()) {
            if (!b.up()) {
                continue;
            }
            try {
                b.client().register(modelName, file, sha256);
                discovery.scanNow();
                publish(new NodeEvent("model.registered", Instant.now(), Map.of("model", modelName, "backend", b.id())));
                return "registered as " + modelName + " with " + b.id();
            } catch (CallFailedException e) {
                if (e.kind() != FailureKind.NOT_FOUND) {
                    why = b.id() + " refused it: " + e.getMessage();
                }
            } catch (RuntimeException e) {
                why = b.id() + " failed: " + e.getMessage();
            }
        }
        return "not registered: " + why;
    }

    private Path modelsDir() {
        return config.view().string("models.dir").map(d -> Path.of(d.startsWith("~/") ? System.getProperty("user.home") + d.substring(1) : d))
                .orElse(dataDir.path().resolve("models"));
    }

    /** @return bytes per second from {@code models.max-transfer-rate} ({@code 20MB}, {@code 512KB/s}, a number of bytes), 0 for none */
    private long transferRate() {
        Optional<String> raw = config.view().string("models.max-transfer-rate");
        if (raw.isEmpty()) {
            return 0;
        }
        var m = java.util.regex.Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*(b|kb|mb|gb|kib|mib|gib)?\\s*(/s)?\\s*").matcher(raw.get());
        if (!m.matches()) {
            throw new AtmosphereException("models.max-transfer-rate: expected a rate such as 20MB or 512KB/s, got '" + raw.get() + "'.");
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(java.util.Locale.ROOT);
        long factor = switch (unit) {
            case "kb", "kib" -> 1024L;
            case "mb", "mib" -> 1024L * 1024;
            case "gb", "gib" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return (long) (Double.parseDouble(m.group(1)) * factor);
    }

    @Override
    public synchronized PullStatus modelPull(String name, String fromNode, Optional<String> as) {
        if (pullState.get().running()) {
            throw new AtmosphereException("A pull is already running; 'atmosphere model pull --status' shows it.");
        }
        if (!fromNode.matches("[0-9a-f]{16}")) {
            throw new AtmosphereException("A node id is 16 hex characters, got '" + fromNode + "'. 'atmosphere mesh members' lists them.");
        }
        if (name.isBlank() || name.contains("\0")) {
            throw new AtmosphereException("Name the file to pull, as the member shares it (e.g. 'tinyllama.gguf').");
        }
        long rate = transferRate();
        String fileName = Path.of(name).getFileName().toString();
        String modelName = as.filter(a -> !a.isBlank()).orElse(fileName.replaceFirst("(?i)\\.gguf$", ""));
        Path target = modelsDir().resolve(fileName);
        pullState.set(PullStatus.start(name, fromNode, target.toString()));
        Runnable work = () -> {
            long[] lastEvent = {0};
            int[] lastPercent = {-1};
            try {
                var result = mesh.pullFile(fromNode, name, target, rate, p -> {
                    pullState.updateAndGet(s -> s.progress(p.bytes(), p.total(), p.percent(), p.present(), p.fetched(), p.badChunks()));
                    long now = System.nanoTime();
                    if (p.percent() != lastPercent[0] && (now - lastEvent[0] > 200_000_000L || p.bytes() == p.total())) {
                        lastEvent[0] = now;
                        lastPercent[0] = p.percent();
                        publish(new NodeEvent("model.pull.progress", Instant.now(), Map.of("name", name, "from", fromNode,
                                "bytes", p.bytes(), "total", p.total(), "percent", p.percent())));
                    }
                });
                String registered = registerPulled(modelName, target, result.sha256());
                pullState.updateAndGet(s -> s.progress(result.bytes(), s.total().orElse(result.bytes()), 100, result.present(), result.fetched(),
                        result.badChunks()).done(result.sha256(), registered));
                publish(new NodeEvent("model.pull.done", Instant.now(), Map.of("name", name, "from", fromNode, "path", target.toString(),
                        "bytes", result.bytes(), "fetched", result.fetched())));
            } catch (RuntimeException e) {
                pullState.updateAndGet(s -> s.failed(String.valueOf(e.getMessage())));
                publish(new NodeEvent("model.pull.failed", Instant.now(), Map.of("name", name, "from", fromNode, "error", String.valueOf(e.getMessage()))));
            }
        };
        if (server != null) {
            Thread.ofVirtual().name("atmosphere-pull").start(work);
        } else {
            work.run(); // in-process: the CLI waits for it
        }
        return modelPullStatus();
    }

    @Override
    public PullStatus modelPullStatus() {
        return pullState.get();
    }

    @Override
    public List<NearbyNode> nearby() {
        var running = mesh.lan();
        List<farm.llama.atmosphere.runtime.mesh.LanPresence.Nearby> found;
        if (running.isPresent()) {
            found = running.get().nearby();
        } else {
            try (var presence = farm.llama.atmosphere.runtime.mesh.LanPresence.start(java.net.InetAddress.getByName(mesh.lanAddress()),
                    identity.nodeId())) {
                Thread.sleep(5000); // mDNS answers within a few seconds
                found = presence.nearby();
            } catch (IOException e) {
                throw new AtmosphereException("mDNS cannot start on " + mesh.lanAddress() + ": " + e.getMessage() + ". Set mesh.mdns-address.", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
        return found.stream().map(n -> new NearbyNode(n.nodeId(), n.name(), n.meshId(), n.host(), n.meshPort(), n.apiPort(),
                n.lastSeen().toString())).toList();
    }

    @Override
    public NetworkReport network() {
        List<NetworkReport.Interface> addresses = new java.util.ArrayList<>();
        Optional<String> addressesError = Optional.empty();
        try {
            for (var ni : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (ni.isUp()) {
                    addresses.add(new NetworkReport.Interface(ni.getName(), ni.isLoopback(), ni.supportsMulticast(),
                            java.util.Collections.list(ni.getInetAddresses()).stream().map(a -> a.getHostAddress().replaceAll("%.*", "")).toList()));
                }
            }
        } catch (java.net.SocketException e) {
            addressesError = Optional.of(String.valueOf(e.getMessage()));
        }
        List<NetworkReport.Endpoint> endpoints = mesh.endpoints().stream().map(e -> new NetworkReport.Endpoint(e, probe(e))).toList();
        List<farm.llama.atmosphere.runtime.mesh.MeshService.TransportStatus> transports = mesh.transportStatus();
        NetworkReport.Mesh m = new NetworkReport.Mesh(mesh.store().info().isPresent(), mesh.running(), mesh.listeningPort(), endpoints,
                transports.stream().map(farm.llama.atmosphere.runtime.mesh.MeshService.TransportStatus::type).toList());
        List<NetworkReport.Relay> relays = new java.util.ArrayList<>();
        transports.forEach(t -> relays.addAll(t.relays()));
        if (relays.isEmpty() && mesh.store().info().isPresent()) {
            for (String url : mesh.relays()) {
                relays.add(new NetworkReport.Relay(url, mesh.running() ? "no relay transport" : "not running", null, null, null, null, null));
            }
        }
        NetworkReport.Mdns mdns = new NetworkReport.Mdns(config.view().bool("mesh.mdns").orElse(true), mesh.lan().isPresent(), mesh.lanAddress(),
                mesh.lan().map(l -> l.nearby().size()).orElse(0));
        List<NetworkReport.Peer> peers = mesh.members().stream().filter(member -> !member.self())
                .map(member -> new NetworkReport.Peer(member.nodeId(), member.name(), member.state(), member.transport(), member.address(),
                        member.rttMs().orElse(null), probe(member.address()), member.error())).toList();
        return new NetworkReport(addresses, addressesError, m, relays, mdns, peers);
    }

    /** @return whether a {@code wss://host:port} endpoint accepts a TCP connection within a second: open, refused, timeout, unknown, or none for a {@code relay:} endpoint */
    private static String probe(String endpoint) {
        if (endpoint.startsWith(farm.llama.atmosphere.runtime.mesh.MeshRuntime.RELAY_SCHEME)) {
            return "none (through relays)";
        }
        var m = java.util.regex.Pattern.compile("wss?://\\[?([^\\]/]+?)]?:(\\d+).*").matcher(endpoint);
        if (!m.matches()) {
            return "unknown";
        }
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))), 1000);
            return "open";
        } catch (java.net.SocketTimeoutException e) {
            return "timeout";
        } catch (IOException e) {
            return "refused";
        }
    }
}
