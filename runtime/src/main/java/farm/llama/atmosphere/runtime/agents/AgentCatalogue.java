package farm.llama.atmosphere.runtime.agents;

import farm.llama.atmosphere.runtime.api.AgentAnswer;
import farm.llama.atmosphere.runtime.api.AgentTypeReport;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.tools.Caller;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.agent.Agent;
import farm.llama.atmosphere.spi.agent.AgentReply;
import farm.llama.atmosphere.spi.agent.AgentType;
import farm.llama.atmosphere.spi.agent.AgentTypeProvider;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The kinds of agent this node can spawn: the built-in ones (echo, notifier, forwarder), the
 * shipped specs, the owner's specs ({@code agents/*.yaml}, which override built-in ones) and
 * plugins' types; and, for each, whether it can run now (its tools reachable, a chat model
 * when it needs one).
 */
final class AgentCatalogue {

    private static final System.Logger LOG = System.getLogger(AgentCatalogue.class.getName());

    /** The YAML specs shipped with the node (resources next to this class). */
    static final List<String> BUILT_IN_SPECS = List.of("research", "anomaly", "notification", "orchestrator", "vision",
            "learning", "provisioning");

    private static final Duration PLUGIN_AGENT_LIMIT = Duration.ofMinutes(5);

    /** Passes an intent to the agent that fits it (the forwarder's job). */
    interface Dispatcher {
        /**
         * @param intent what to do
         * @param hint a route hint, or ""
         * @param args arguments
         * @param caller who asks
         * @param excluded types not to pick
         * @return the answer
         */
        AgentAnswer dispatch(String intent, String hint, Map<String, Object> args, Caller caller, Set<String> excluded);
    }

    /** A kind of agent this node can spawn. */
    record TypeEntry(String name, String description, String source, List<String> required, List<String> optional,
                     List<String> triggers, boolean needsModel,
                     Function<String, Function<Map<String, Object>, AgentRunner>> factory) {
    }

    /** @return what the type lacks to run now: missing tools, or a chat model; empty when ready */
    private List<String> missing(TypeEntry t, boolean canChat) {
        List<String> out = new ArrayList<>(t.required().stream().filter(n -> bench.toolDefinition(n).isEmpty()).map(n -> "tool " + n).toList());
        if (t.needsModel() && !canChat) {
            out.add("a chat model");
        }
        return out;
    }

    private final String nodeId;
    private final Workbench bench;
    private final Dispatcher dispatcher;
    private final Map<String, TypeEntry> types = new ConcurrentSkipListMap<>();
    private final List<String> problems = new ArrayList<>();

    AgentCatalogue(String nodeId, Path specDir, Workbench bench, List<PluginHost.Found<AgentTypeProvider>> providers,
                   Function<PluginHost.Found<AgentTypeProvider>, NodeContext> contextFor, BiConsumer<String, String> onFailure,
                   Dispatcher dispatcher) {
        this.nodeId = nodeId;
        this.bench = bench;
        this.dispatcher = dispatcher;
        builtIns();
        for (String name : BUILT_IN_SPECS) {
            try (InputStream in = AgentCatalogue.class.getResourceAsStream(name + ".yaml")) {
                if (in == null) {
                    throw new IllegalStateException("built-in agent spec " + name + ".yaml is missing from the runtime");
                }
                addSpec(AgentSpec.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in " + name + ".yaml"), "built-in");
            } catch (IOException e) {
                throw new IllegalStateException("cannot read built-in agent spec " + name, e);
            }
        }
        for (PluginHost.Found<AgentTypeProvider> found : providers) {
            try {
                for (AgentType t : found.provider().create(contextFor.apply(found))) {
                    addPluginType(t, found.origin());
                }
            } catch (RuntimeException | LinkageError e) {
                onFailure.accept(found.origin(), "agent type provider '" + found.provider().type() + "' failed: " + PluginHost.oneLine(e));
            }
        }
        if (Files.isDirectory(specDir)) {
            try (var files = Files.list(specDir)) {
                for (Path f : files.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList()) {
                    try {
                        addSpec(AgentSpec.parse(Files.readString(f), f.toString()), f.toString());
                    } catch (ConfigException e) {
                        problems.addAll(e.problems());
                        LOG.log(System.Logger.Level.WARNING, () -> "Agent spec skipped: " + String.join("; ", e.problems()));
                    } catch (IOException e) {
                        problems.add(f + ": cannot read: " + e.getMessage());
                    }
                }
            } catch (IOException e) {
                problems.add(specDir + ": cannot list: " + e.getMessage());
            }
        }
    }

    /**
     * @param type a type name
     * @return that type, if this node has it
     */
    Optional<TypeEntry> get(String type) {
        return Optional.ofNullable(types.get(type));
    }

    /** @return the names of the types, sorted */
    List<String> names() {
        return List.copyOf(types.keySet());
    }

    private void builtIns() {
        types.put("echo", new TypeEntry("echo", "Echoes the intent it receives: a check that intents reach agents.", "built-in",
                List.of(), List.of(), List.of("echo"), false, id -> params -> (intent, args, caller) ->
                new AgentReply(intent, Json.write(Map.of("intent", intent, "args", args)), 0)));
        types.put("notifier", new TypeEntry("notifier",
                "Tells the owner about an event: turns the intent into a notification on the event stream, the shell and the dashboard.",
                "built-in", List.of("notify"), List.of(), List.of("notify"), false, id -> params -> (intent, args, caller) -> {
                    Map<String, Object> a = new LinkedHashMap<>();
                    a.put("message", intent.length() > 4000 ? intent.substring(0, 4000) : intent);
                    a.put("title", String.valueOf(params.getOrDefault("title", "Atmosphere")));
                    String priority = String.valueOf(args.getOrDefault("priority", "normal"));
                    a.put("level", priority.equals("critical") ? "critical" : priority.equals("high") ? "warning" : "info");
                    String result = bench.runTool("notify", Json.write(a), caller);
                    return new AgentReply("Notified: " + a.get("message"), result, 1);
                }));
        types.put("forwarder", new TypeEntry("forwarder",
                "Passes an intent on to the agent that fits it best, by route hint (params.target) or by meaning.",
                "built-in", List.of(), List.of(), List.of("forward"), false, id -> params -> (intent, args, caller) -> {
                    String hint = String.valueOf(params.getOrDefault("target", ""));
                    AgentAnswer out = dispatcher.dispatch(intent, hint, args, caller, Set.of("forwarder"));
                    return new AgentReply(out.text(), Json.write(out), 1 + out.steps());
                }));
    }

    private void addSpec(AgentSpec spec, String source) {
        types.put(spec.type(), new TypeEntry(spec.type(), spec.description(), source, spec.requiredTools(), spec.optionalTools(),
                spec.triggers().stream().map(AgentSpec.Trigger::name).toList(), true,
                id -> params -> new SpecAgent(id, spec, merged(spec.defaultParams(), params), bench)));
    }

    /**
     * Adds (or replaces) a type from a spec the owner installed while the node runs.
     *
     * @param spec the checked spec
     * @param source where it is stored
     * @return the type's description
     */
    AgentTypeReport install(AgentSpec spec, String source) {
        addSpec(spec, source);
        return reports().stream().filter(t -> t.type().equals(spec.type())).findFirst().orElseThrow();
    }

    private void addPluginType(AgentType t, String origin) {
        if (types.containsKey(t.name())) {
            LOG.log(System.Logger.Level.WARNING, () -> "Agent type '" + t.name() + "' from " + origin + " is shadowed by " + types.get(t.name()).source());
            return;
        }
        types.put(t.name(), new TypeEntry(t.name(), t.description(), origin, t.requiredTools(), List.of(), List.of(), false,
                id -> params -> {
                    Agent agent = t.spawn(id, params);
                    return new AgentRunner() {
                        @Override
                        public AgentReply handle(String intent, Map<String, Object> args, Caller caller) {
                            try {
                                return agent.handle(intent, args).toCompletableFuture().get(PLUGIN_AGENT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                            } catch (TimeoutException e) {
                                throw new CallFailedException(FailureKind.TIMEOUT, "agent " + id + " did not answer within " + PLUGIN_AGENT_LIMIT);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new CallFailedException(FailureKind.CANCELLED, "cancelled");
                            } catch (ExecutionException e) {
                                if (e.getCause() instanceof CallFailedException cfe) {
                                    throw cfe;
                                }
                                throw new CallFailedException(FailureKind.INTERNAL, "agent " + id + " failed: " + PluginHost.oneLine(e.getCause()));
                            }
                        }

                        @Override
                        public Map<String, Object> snapshot() {
                            return agent.snapshot();
                        }

                        @Override
                        public void close() {
                            agent.close();
                        }
                    };
                }));
    }

    private static Map<String, Object> merged(Map<String, Object> defaults, Map<String, Object> params) {
        Map<String, Object> m = new LinkedHashMap<>(defaults);
        m.putAll(params);
        return m;
    }

    /** @return the agent types: name, description, source, tools, triggers, and whether their required tools are reachable */
    List<AgentTypeReport> reports() {
        List<AgentTypeReport> out = new ArrayList<>();
        boolean canChat = bench.canChat();
        for (TypeEntry t : types.values()) {
            List<String> missing = missing(t, canChat);
            out.add(new AgentTypeReport(t.name(), t.description(), t.source(), t.required(), t.optional(), t.triggers(), missing.isEmpty(),
                    missing.isEmpty() ? Optional.empty() : Optional.of(missing)));
        }
        return out;
    }

    /** @return agent spec files that could not be loaded, each naming file, line and problem */
    List<String> problems() {
        return List.copyOf(problems);
    }

    /** @return one {@code agent/<type>} capability per type that can run now, for the mesh and the router */
    List<Capability> capabilities() {
        List<Capability> out = new ArrayList<>();
        boolean canChat = bench.canChat(); // once per listing: it looks at every backend and member
        for (TypeEntry t : types.values()) {
            if (!missing(t, canChat).isEmpty()) {
                continue; // an agent that cannot run is not offered, nor routed to
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("backend", "agents");
            meta.put("source", t.source().startsWith("/") ? "spec" : t.source());
            out.add(new Capability("agent/" + t.name(), nodeId, "agent/" + t.name(), t.name(), t.description(), List.of(),
                    List.of("agent"), "local", meta));
        }
        return out;
    }
}
