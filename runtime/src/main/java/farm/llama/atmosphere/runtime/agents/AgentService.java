package farm.llama.atmosphere.runtime.agents;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.AgentAnswer;
import farm.llama.atmosphere.runtime.api.AgentReport;
import farm.llama.atmosphere.runtime.api.AgentTypeReport;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.tools.ToolGrants;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.agent.Agent;
import farm.llama.atmosphere.spi.agent.AgentReply;
import farm.llama.atmosphere.spi.agent.AgentTypeProvider;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The agents of a node: the types it offers (built in, from YAML specs, from plugins), the agents
 * spawned here (persisted; after a restart they come back asleep and wake on their next intent),
 * and the way an intent reaches an agent — here or, by route hint or meaning, on another member.
 */
public final class AgentService implements AutoCloseable {

    /** Format of {@code agent-registry.json}. */
    public static final int REGISTRY_FORMAT = 1;

    private static final System.Logger LOG = System.getLogger(AgentService.class.getName());

    private static final Pattern SPAWN_PARAM = Pattern.compile("[a-z_][a-z0-9_]{0,63}");

    /** An agent spawned here. */
    private static final class Held {
        final String id;
        final String type;
        final Map<String, Object> params;
        final Instant created;
        final ReentrantLock lock = new ReentrantLock();
        volatile Instant lastActivity;
        volatile String state;
        volatile int invocations;
        volatile AgentRunner runner;
        /** The catalogue's generation the runner was made from: after a plugin change it is made again. */
        long generation;
        volatile Map<String, Object> snapshot = Map.of();
        /** Taken by an intent of {@code invokeType} that has not ended (guarded by {@code spawnLock}). */
        boolean taken;
        /** The {@link Caller#key()} it was spawned for: intents of other callers never reach it through {@code invokeType}. */
        final String spawnedBy;

        Held(String id, String type, Map<String, Object> params, Instant created, String spawnedBy) {
            this.id = id;
            this.type = type;
            this.params = params;
            this.created = created;
            this.lastActivity = created;
            this.spawnedBy = spawnedBy;
        }
    }

    private final String nodeId;
    private final Path registryFile;
    private final Workbench bench;
    private final Supplier<ToolGrants> grants;
    private final AgentCatalogue catalogue;
    private final AgentPicker picker;
    private final Supplier<List<PluginHost.Found<AgentTypeProvider>>> providers;
    private final Map<String, Held> agents = new ConcurrentHashMap<>();
    private final Object persistLock = new Object();

    /**
     * @param nodeId this node
     * @param specDir the owner's spec folder ({@code agents/*.yaml}); its types override built-in ones
     * @param registryFile where spawned agents are kept
     * @param bench what agents use of the node
     * @param providers the agent type plugins in effect (asked again after a plugin change)
     * @param contextFor makes a plugin's context
     * @param onFailure told (plugin, reason) when a plugin's types are broken
     * @param grants who may do what (remote callers need {@code agents:invoke})
     */
    public AgentService(String nodeId, Path specDir, Path registryFile, Workbench bench,
                        Supplier<List<PluginHost.Found<AgentTypeProvider>>> providers,
                        Function<PluginHost.Found<AgentTypeProvider>, NodeContext> contextFor,
                        BiConsumer<String, String> onFailure, Supplier<ToolGrants> grants) {
        this.nodeId = nodeId;
        this.registryFile = registryFile;
        this.bench = bench;
        this.grants = grants;
        this.providers = providers;
        this.catalogue = new AgentCatalogue(nodeId, specDir, bench, providers, contextFor, onFailure);
        this.picker = new AgentPicker(nodeId, this::capabilities, bench);
        restore();
    }

    /**
     * Builds the agent types again from the plugins now in effect. A spawned agent is made again
     * from its type at its next intent, or refused then if its type is gone.
     */
    public void pluginsChanged() {
        catalogue.load(providers.get());
    }

    /**
     * Checks a file that defines an agent type (a YAML spec), before the owner's copy is stored.
     *
     * @param fileName its name
     * @param text its content
     * @return the type's name
     * @throws farm.llama.atmosphere.runtime.config.ConfigException naming each problem: file, line, what
     */
    public String check(String fileName, String text) {
        return catalogue.check(fileName, text).name();
    }

    /**
     * Adds (or replaces) a type from a file the owner stored while the node runs.
     *
     * @param fileName its name
     * @param text its content
     * @param source where it is stored
     * @return the type's description
     */
    public AgentTypeReport install(String fileName, String text, String source) {
        return catalogue.install(catalogue.check(fileName, text), source);
    }

    /** @return the agent types: name, description, source, tools, triggers, and whether their required tools are reachable */
    public List<AgentTypeReport> types() {
        return catalogue.reports();
    }

    /** @return agent spec files that could not be loaded, each naming file, line and problem */
    public List<String> problems() {
        return catalogue.problems();
    }

    /** @return one {@code agent/<type>} capability per type that can run now, for the mesh and the router */
    public List<Capability> capabilities() {
        return catalogue.capabilities();
    }

    // ---- spawned agents ----

    /** @return the agents spawned here, newest first */
    public List<AgentReport> list() {
        return agents.values().stream().sorted(Comparator.comparing((Held h) -> h.created).reversed()).map(this::describe).toList();
    }

    private AgentReport describe(Held h) {
        return new AgentReport(h.id, h.type, h.state, h.created.toString(), h.lastActivity.toString(), h.invocations, new JsonText(Json.write(h.params)),
                h.spawnedBy, Optional.empty());
    }

    /**
     * Spawns an agent.
     *
     * @param type an agent type of this node
     * @param params spawn parameters, over the type's defaults
     * @param caller who asks
     * @return the new agent's description
     */
    public AgentReport spawn(String type, Map<String, Object> params, Caller caller) {
        AgentCatalogue.TypeEntry t = catalogue.get(type).orElseThrow(() -> new CallFailedException(FailureKind.NOT_FOUND,
                "No agent type '" + type + "'. Known types: " + String.join(", ", catalogue.names()) + ". 'atmosphere agent types' describes them."));
        for (String key : params.keySet()) {
            if (!SPAWN_PARAM.matcher(key).matches()) {
                throw new CallFailedException(FailureKind.INVALID_REQUEST, "Spawn parameter names are lower-case words ('max_steps', 'model'), not '" + key + "'.");
            }
        }
        for (String tool : t.type().requiredTools()) {
            if (!bench.offers(tool)) {
                throw new CallFailedException(FailureKind.NOT_FOUND, "Agent type '" + type + "' needs the tool '" + tool
                        + "', which neither this node nor a live member offers. 'atmosphere tool list' shows the tools.");
            }
        }
        if (t.type().needsChatModel() && !bench.canChat()) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "Agent type '" + type + "' thinks with a chat model, and none is"
                    + " reachable here or on a live member. 'atmosphere backends' shows what was found.");
        }
        String id;
        do {
            id = type + "-" + HexFormat.of().formatHex(randomBytes());
        } while (agents.containsKey(id));
        Held h = new Held(id, type, Map.copyOf(params), Instant.now(), caller.key());
        h.runner = t.spawn(id, h.params);
        h.generation = catalogue.generation();
        h.state = "idle";
        agents.put(id, h);
        persist();
        bench.publish("agent.spawned", Map.of("agent", id, "type", type, "by", caller.toString()));
        return describe(h);
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private static byte[] randomBytes() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return b;
    }

    /**
     * Sends an intent to an agent spawned here.
     *
     * @param idOrPrefix the agent id, or a prefix naming exactly one agent
     * @param intent what to do
     * @param args extra arguments
     * @param caller who asks
     * @return the answer: agent, type, text, result, steps
     */
    public AgentAnswer invoke(String idOrPrefix, String intent, Map<String, Object> args, Caller caller) {
        return run(find(idOrPrefix), intent, args, caller);
    }

    private Held find(String idOrPrefix) {
        Held exact = agents.get(idOrPrefix);
        if (exact != null) {
            return exact;
        }
        List<Held> matches = agents.values().stream().filter(h -> h.id.startsWith(idOrPrefix)).toList();
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (matches.isEmpty()) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "No agent '" + idOrPrefix + "' here. 'atmosphere agent list' shows the agents.");
        }
        throw new CallFailedException(FailureKind.INVALID_REQUEST, "'" + idOrPrefix + "' names " + matches.size() + " agents ("
                + String.join(", ", matches.stream().map(h -> h.id).toList()) + "); give more of the id.");
    }

    private AgentAnswer run(Held h, String intent, Map<String, Object> args, Caller caller) {
        if (intent == null || intent.isBlank()) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "The intent is empty: say what the agent should do.");
        }
        h.lock.lock();
        try {
            if ("stopped".equals(h.state)) {
                throw new CallFailedException(FailureKind.NOT_FOUND, "Agent " + h.id + " was stopped.");
            }
            if (h.runner != null && h.generation != catalogue.generation()) {
                close(h); // made by a plugin that changed since: made again below from the type now in effect
            }
            if (h.runner == null) { // asleep since a restart, or its plugin changed: wake it
                AgentCatalogue.TypeEntry t = catalogue.get(h.type).orElseThrow(() -> new CallFailedException(FailureKind.NOT_FOUND,
                        "Agent " + h.id + " is of type '" + h.type + "', which this node no longer has (its spec or plugin was removed)."));
                h.runner = t.spawn(h.id, h.params);
                h.generation = catalogue.generation();
                bench.publish("agent.woke", Map.of("agent", h.id, "type", h.type));
            }
            h.state = "running";
            h.invocations++;
            h.lastActivity = Instant.now();
            bench.publish("agent.invoked", Map.of("agent", h.id, "type", h.type, "by", caller.toString(), "intent", abbreviate(intent)));
            AgentReply reply;
            try {
                reply = h.runner.handle(intent, args, caller);
            } catch (RuntimeException e) {
                bench.publish("agent.failed", Map.of("agent", h.id, "type", h.type, "error", String.valueOf(e.getMessage())));
                throw e;
            } finally {
                h.state = "idle";
                h.lastActivity = Instant.now();
                try {
                    h.snapshot = h.runner.snapshot();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "agent " + h.id + " could not snapshot: " + e.getMessage());
                }
                persist();
            }
            return new AgentAnswer(h.id, h.type, nodeId, reply.text(), new JsonText(reply.json()), reply.steps());
        } finally {
            h.lock.unlock();
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /**
     * Stops an agent and forgets it.
     *
     * @param idOrPrefix its id or a unique prefix
     * @return its last description
     */
    public AgentReport stop(String idOrPrefix) {
        Held h = find(idOrPrefix);
        h.state = "stopped";
        close(h);
        agents.remove(h.id);
        persist();
        bench.publish("agent.stopped", Map.of("agent", h.id, "type", h.type));
        return describe(h);
    }

    /**
     * An intent for an agent type of this node, from a trigger or another member: an idle agent
     * of the type spawned for the same caller takes it, or a new one is spawned — at most
     * {@code agents.max-per-caller} for a caller that is not this node's owner.
     *
     * @param type the type
     * @param intent what to do
     * @param args extra arguments
     * @param caller who asks; a caller from another member needs {@code agents:invoke} (this node's
     *               own triggers run the agents their owner routed them to)
     * @return the answer
     * @throws CallFailedException REFUSED without the grant, OVERLOADED when the caller's agents here are all busy and at the limit
     */
    public AgentAnswer invokeType(String type, String intent, Map<String, Object> args, Caller caller) {
        if (!caller.isOwn()) {
            Optional<ToolGrants.Missing> missing = grants.get().missing(caller, List.of("agents:invoke"));
            if (missing.isPresent()) {
                throw new CallFailedException(FailureKind.REFUSED, "Agents here need " + missing.get().explain(caller));
            }
        }
        Held h;
        synchronized (spawnLock) {
            String key = caller.key();
            h = agents.values().stream()
                    .filter(a -> a.type.equals(type) && a.spawnedBy.equals(key) && !a.taken && !"running".equals(a.state) && !"stopped".equals(a.state))
                    .min(Comparator.comparing(a -> a.created)).orElse(null);
            if (h == null) {
                long held = agents.values().stream().filter(a -> a.spawnedBy.equals(key)).count();
                if (!caller.isLocal() && held >= maxPerCaller) {
                    throw new CallFailedException(FailureKind.OVERLOADED, "The " + held + " agents spawned here for " + caller
                            + " are busy, and " + maxPerCaller + " is the most one caller gets (agents.max-per-caller); try again shortly.");
                }
                h = agents.get(spawn(type, Map.of(), caller).id());
            }
            h.taken = true; // the next intent of this caller takes another agent, or spawns one
        }
        try {
            return run(h, intent, args, caller);
        } finally {
            synchronized (spawnLock) {
                h.taken = false;
            }
        }
    }

    private final Object spawnLock = new Object();
    private volatile int maxPerCaller = 8;

    /** @param max the most agents {@code invokeType} spawns for one caller that is not this node's owner */
    public void maxPerCaller(int max) {
        this.maxPerCaller = max;
    }

    // ---- routing intents to agents ----

    /**
     * Routes an intent to an agent — by hint ({@code capability:<id>}, {@code agent/<glob>}) or,
     * without one, by meaning over every agent type of this node and the live members — and
     * runs it there.
     *
     * @param intent what to do
     * @param hint a route hint, or empty
     * @param args extra arguments
     * @param caller who asks
     * @param excluded agent types not to route to
     * @return the answer, with {@code node} naming where it ran
     */
    public AgentAnswer dispatch(String intent, String hint, Map<String, Object> args, Caller caller, Set<String> excluded) {
        Capability target = route(intent, hint, excluded);
        String type = target.type().substring("agent/".length());
        if (target.nodeId().equals(nodeId)) {
            return invokeType(type, intent, args, caller);
        }
        String answer = bench.invokeRemote(target.nodeId(), type, intent, Json.write(args), caller);
        try {
            return Json.MAPPER.readValue(answer, AgentAnswer.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new CallFailedException(FailureKind.BAD_RESPONSE, "member " + target.nodeId() + " answered for agent type " + type
                    + " with something that is not an agent's answer: " + e.getMessage());
        }
    }

    /**
     * @param intent what to do
     * @param hint a route hint or empty
     * @param excluded types not to consider
     * @return the agent capability the intent goes to
     * @throws CallFailedException NOT_FOUND when nothing matches
     */
    public Capability route(String intent, String hint, Set<String> excluded) {
        return picker.pick(intent, hint, excluded);
    }

    // ---- persistence ----

    private void persist() {
        synchronized (persistLock) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Held h : agents.values()) {
                Map<String, Object> m = new LinkedHashMap<>(); // the registry's own format (format 1): no state, with the snapshot
                m.put("id", h.id);
                m.put("type", h.type);
                m.put("created", h.created.toString());
                m.put("lastActivity", h.lastActivity.toString());
                m.put("invocations", h.invocations);
                m.put("params", h.params);
                m.put("spawnedBy", h.spawnedBy);
                m.put("snapshot", h.snapshot);
                out.add(m);
            }
            Map<String, Object> file = new LinkedHashMap<>();
            file.put("format", REGISTRY_FORMAT);
            file.put("agents", out);
            try {
                AtomicFiles.writeString(registryFile, Json.write(file), AtomicFiles.PRIVATE);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, () -> "Cannot save the agent registry " + registryFile + ": " + e.getMessage());
            }
        }
    }

    private void restore() {
        if (!Files.exists(registryFile)) {
            return;
        }
        try {
            JsonNode root = FileFormat.read(registryFile, REGISTRY_FORMAT);
            for (JsonNode a : root.path("agents")) {
                Map<String, Object> params = Json.MAPPER.convertValue(a.path("params"), new TypeReference<Map<String, Object>>() { });
                Held h = new Held(a.path("id").asText(), a.path("type").asText(), params == null ? Map.of() : params,
                        Instant.parse(a.path("created").asText()), a.path("spawnedBy").asText("local"));
                h.lastActivity = Instant.parse(a.path("lastActivity").asText(h.created.toString()));
                h.invocations = a.path("invocations").asInt();
                Map<String, Object> snap = Json.MAPPER.convertValue(a.path("snapshot"), new TypeReference<Map<String, Object>>() { });
                h.snapshot = snap == null ? Map.of() : snap;
                h.state = "sleeping";
                agents.put(h.id, h);
            }
        } catch (FileFormat.NewerException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new AtmosphereException("The agent registry " + registryFile + " cannot be read (" + e.getMessage()
                    + "). Move it aside to start without the saved agents.", e);
        }
    }

    /** Closes an agent's runner, if it has one; it sleeps until its next intent. */
    private static void close(Held h) {
        AgentRunner r = h.runner;
        h.runner = null;
        if (r != null) {
            try {
                r.close();
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, () -> "agent " + h.id + " failed to close: " + e);
            }
        }
    }

    @Override
    public void close() {
        agents.values().forEach(AgentService::close);
    }
}
