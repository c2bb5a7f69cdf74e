package farm.llama.atmosphere.runtime.agents;

import farm.llama.atmosphere.runtime.api.AgentTypeReport;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.agent.Agent;
import farm.llama.atmosphere.spi.agent.AgentReply;
import farm.llama.atmosphere.spi.agent.AgentType;
import farm.llama.atmosphere.spi.agent.AgentTypeProvider;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The kinds of agent this node can spawn — every one from a plugin ({@code agents-core} ships
 * echo, notifier, forwarder and the spec agents): the types providers create, then the owner's
 * files in {@code agents/} (which replace types of the same name), each defined by the first
 * provider that reads it; and, for each, whether it can run now (its tools reachable, a chat
 * model when it needs one). Rebuilt when plugins change.
 */
final class AgentCatalogue {

    private static final System.Logger LOG = System.getLogger(AgentCatalogue.class.getName());

    private static final Duration AGENT_LIMIT = Duration.ofMinutes(5);

    /** A kind of agent this node can spawn, and where it came from. */
    record TypeEntry(AgentType type, String source) {

        String name() {
            return type.name();
        }

        /**
         * @param id the new agent's id
         * @param params its spawn parameters
         * @return the agent, as the node drives it
         */
        AgentRunner spawn(String id, Map<String, Object> params) {
            return runner(id, type.spawn(id, params));
        }
    }

    /** A provider with the context it was created with. */
    private record Source(PluginHost.Found<AgentTypeProvider> found, NodeContext context) {
    }

    private final String nodeId;
    private final Path specDir;
    private final Workbench bench;
    private final Function<PluginHost.Found<AgentTypeProvider>, NodeContext> contextFor;
    private final BiConsumer<String, String> onFailure;
    private volatile List<Source> sources = List.of();
    private volatile Map<String, TypeEntry> types = Map.of();
    private volatile List<String> problems = List.of();
    private volatile long generation;

    AgentCatalogue(String nodeId, Path specDir, Workbench bench, Supplier<List<PluginHost.Found<AgentTypeProvider>>> providers,
                   Function<PluginHost.Found<AgentTypeProvider>, NodeContext> contextFor, BiConsumer<String, String> onFailure) {
        this.nodeId = nodeId;
        this.specDir = specDir;
        this.bench = bench;
        this.contextFor = contextFor;
        this.onFailure = onFailure;
        load(providers.get());
    }

    /**
     * Builds the types again from the providers now in effect (after a plugin change).
     *
     * @param providers the agent type providers
     */
    synchronized void load(List<PluginHost.Found<AgentTypeProvider>> providers) {
        Map<String, TypeEntry> next = new ConcurrentSkipListMap<>();
        List<Source> made = new ArrayList<>();
        for (PluginHost.Found<AgentTypeProvider> found : providers) {
            try {
                NodeContext context = contextFor.apply(found);
                made.add(new Source(found, context));
                for (AgentType t : found.provider().create(context)) {
                    TypeEntry before = next.putIfAbsent(t.name(), new TypeEntry(t, "plugin " + found.origin()));
                    if (before != null) {
                        LOG.log(System.Logger.Level.WARNING, () -> "Agent type '" + t.name() + "' from " + found.origin()
                                + " is shadowed by the one from " + before.source());
                    }
                }
            } catch (RuntimeException | LinkageError e) {
                onFailure.accept(found.origin(), "agent type provider '" + found.provider().type() + "' failed: " + PluginHost.oneLine(e));
            }
        }
        sources = List.copyOf(made);
        List<String> found = new ArrayList<>();
        if (Files.isDirectory(specDir)) {
            try (var files = Files.list(specDir)) {
                for (Path f : files.filter(AgentCatalogue::ownersFile).sorted().toList()) {
                    try {
                        define(f.getFileName().toString(), Files.readString(f)).ifPresentOrElse(
                                t -> next.put(t.name(), new TypeEntry(t, f.toString())),
                                () -> found.add(f + ": no agent type plugin reads this kind of file"));
                    } catch (AtmosphereException e) {
                        found.addAll(lines(e));
                        LOG.log(System.Logger.Level.WARNING, () -> "Agent spec skipped: " + e.getMessage().replace('\n', ';'));
                    } catch (IOException e) {
                        found.add(f + ": cannot read: " + e.getMessage());
                    }
                }
            } catch (IOException e) {
                found.add(specDir + ": cannot list: " + e.getMessage());
            }
        }
        problems = List.copyOf(found);
        types = next;
        generation++;
    }

    /** @return how many times the types were built: an agent made before the last build is made again */
    long generation() {
        return generation;
    }

    /** A file the owner keeps in {@code agents/}: not hidden, not an editor's backup. */
    private static boolean ownersFile(Path f) {
        String name = f.getFileName().toString();
        return Files.isRegularFile(f) && !name.startsWith(".") && !name.endsWith("~");
    }

    private static List<String> lines(AtmosphereException e) {
        return Arrays.stream(String.valueOf(e.getMessage()).split("\n")).filter(s -> !s.isBlank()).toList();
    }

    /** Offers a file to the providers, highest weight first, until one defines a type from it. */
    private Optional<AgentType> define(String fileName, String text) {
        for (Source s : sources) {
            Optional<AgentType> t;
            try {
                t = s.found().provider().define(s.context(), fileName, text);
            } catch (AtmosphereException e) {
                throw e;
            } catch (RuntimeException | LinkageError e) {
                throw new AtmosphereException(fileName + ": the agent type plugin " + s.found().origin() + " failed on it: " + PluginHost.oneLine(e));
            }
            if (t.isPresent()) {
                return t;
            }
        }
        return Optional.empty();
    }

    /**
     * Checks a file the owner adds, before it is stored.
     *
     * @param fileName its name
     * @param text its content
     * @return the type it defines
     * @throws ConfigException naming each problem (file, line, what), or that no plugin reads such files
     */
    AgentType check(String fileName, String text) {
        Optional<AgentType> t;
        try {
            t = define(fileName, text);
        } catch (ConfigException e) {
            throw e;
        } catch (AtmosphereException e) {
            throw new ConfigException(lines(e)); // the owner's file is configuration: its problems, one per line
        }
        return t.orElseThrow(() -> new ConfigException(List.of(fileName + ": no agent type plugin reads this kind of file"
                + " (agents-core reads YAML specs; 'atmosphere plugin list' shows whether it is enabled)")));
    }

    /**
     * Adds (or replaces) a type from a file the owner added while the node runs.
     *
     * @param type the type the file defines ({@link #check})
     * @param source where it is stored
     * @return the type's description
     */
    synchronized AgentTypeReport install(AgentType type, String source) {
        Map<String, TypeEntry> next = new ConcurrentSkipListMap<>(types);
        next.put(type.name(), new TypeEntry(type, source));
        types = next;
        return reports().stream().filter(t -> t.type().equals(type.name())).findFirst().orElseThrow();
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

    /** @return what the type lacks to run now: missing tools, or a chat model; empty when ready */
    private List<String> missing(AgentType t, boolean canChat) {
        List<String> out = new ArrayList<>(t.requiredTools().stream().filter(n -> !bench.offers(n)).map(n -> "tool " + n).toList());
        if (t.needsChatModel() && !canChat) {
            out.add("a chat model");
        }
        return out;
    }

    /** A plugin's agent, driven one intent at a time on behalf of a caller, within a time limit. */
    private static AgentRunner runner(String id, Agent agent) {
        return new AgentRunner() {
            @Override
            public AgentReply handle(String intent, Map<String, Object> args, Caller caller) {
                try {
                    return agent.handle(intent, args, caller).toCompletableFuture().get(AGENT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    throw new CallFailedException(FailureKind.TIMEOUT, "agent " + id + " did not answer within " + AGENT_LIMIT);
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
    }

    /** @return the agent types: name, description, source, tools, triggers, and whether they can run now */
    List<AgentTypeReport> reports() {
        List<AgentTypeReport> out = new ArrayList<>();
        boolean canChat = bench.canChat();
        for (TypeEntry e : types.values()) {
            AgentType t = e.type();
            List<String> missing = missing(t, canChat);
            out.add(new AgentTypeReport(t.name(), t.description(), e.source(), t.requiredTools(), t.optionalTools(), t.triggers(),
                    missing.isEmpty(), missing.isEmpty() ? Optional.empty() : Optional.of(missing)));
        }
        return out;
    }

    /** @return files in {@code agents/} that could not be loaded, each naming file, line and problem */
    List<String> problems() {
        return problems;
    }

    /** @return one {@code agent/<type>} capability per type that can run now, for the mesh and the router */
    List<Capability> capabilities() {
        List<Capability> out = new ArrayList<>();
        boolean canChat = bench.canChat(); // once per listing: it looks at every backend and member
        for (TypeEntry e : types.values()) {
            AgentType t = e.type();
            if (!missing(t, canChat).isEmpty()) {
                continue; // an agent that cannot run is not offered, nor routed to
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("backend", "agents");
            meta.put("source", e.source().startsWith("/") ? "spec" : e.source());
            out.add(new Capability("agent/" + t.name(), nodeId, "agent/" + t.name(), t.name(), t.description(), List.of(),
                    List.of("agent"), "local", meta));
        }
        return out;
    }
}
