package farm.llama.atmosphere.runtime.tools;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.api.ToolReport;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The tools of this node: created from every {@link ToolProvider}, validated, and run with
 * schema checks and time limits. Immutable once built; rebuilt when plugins change.
 */
public final class ToolRegistry implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ToolRegistry.class.getName());

    /** A registered tool. */
    private record Entry(Tool tool, ToolSpec spec, JsonNode schema, String origin) {
    }

    private final Map<String, Entry> tools = new LinkedHashMap<>();
    private final Set<String> outsideEnabled;
    private final Set<String> disabled;
    private final Map<String, Duration> timeouts;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile ToolGrants grants = ToolGrants.of(null);

    /** @param grants which permissions each caller holds */
    public void grants(ToolGrants grants) {
        this.grants = grants;
    }

    /**
     * @param providers tool providers, highest weight first
     * @param contextFor makes the context for a provider
     * @param onFailure told (plugin id, reason) when a provider or tool is broken
     * @param outsideEnabled names of tools touching the outside world that the owner enabled
     * @param disabled names of tools the owner switched off ({@code tools.disabled})
     * @param timeouts time limits the owner set per tool ({@code tools.timeouts}), over the tools' own
     */
    public ToolRegistry(List<PluginHost.Found<ToolProvider>> providers,
                        Function<PluginHost.Found<ToolProvider>, NodeContext> contextFor,
                        BiConsumer<String, String> onFailure, Collection<String> outsideEnabled,
                        Collection<String> disabled, Map<String, Duration> timeouts) {
        this.outsideEnabled = Set.copyOf(outsideEnabled);
        this.disabled = Set.copyOf(disabled);
        this.timeouts = Map.copyOf(timeouts);
        for (PluginHost.Found<ToolProvider> found : providers) {
            List<Tool> created;
            try {
                created = List.copyOf(found.provider().create(contextFor.apply(found)));
            } catch (RuntimeException | LinkageError e) {
                onFailure.accept(found.origin(), "tool provider '" + found.provider().type() + "' failed: " + PluginHost.oneLine(e));
                continue;
            }
            List<Entry> entries = new ArrayList<>();
            try {
                for (Tool tool : created) {
                    ToolSpec spec = tool.spec();
                    JsonNode schema = Json.parse(spec.parametersSchema());
                    if (!schema.isObject()) {
                        throw new IllegalArgumentException("tool '" + spec.name() + "' has a parameter schema that is not a JSON object");
                    }
                    entries.add(new Entry(tool, spec, schema, found.origin()));
                }
            } catch (RuntimeException | LinkageError e) {
                onFailure.accept(found.origin(), "tool provider '" + found.provider().type() + "' gave a broken tool: " + PluginHost.oneLine(e));
                continue;
            }
            for (Entry e : entries) {
                if (this.disabled.contains(e.spec().name())) {
                    continue;
                }
                Entry existing = tools.putIfAbsent(e.spec().name(), e);
                if (existing != null) {
                    LOG.log(System.Logger.Level.WARNING, () -> "Tool '" + e.spec().name() + "' from " + e.origin()
                            + " is shadowed by the one from " + existing.origin());
                }
            }
        }
    }

    /** @return every tool, by name */
    public List<ToolReport> list() {
        return tools.values().stream().map(this::report).sorted(Comparator.comparing(ToolReport::name)).toList();
    }

    /**
     * @param name a tool name
     * @return its report, if there is such a tool
     */
    public Optional<ToolReport> find(String name) {
        return Optional.ofNullable(tools.get(name)).map(this::report);
    }

    /**
     * @param name a tool name
     * @return its spec with the owner's timeout, if there is such a tool and it is enabled
     */
    public Optional<ToolSpec> spec(String name) {
        return Optional.ofNullable(tools.get(name)).filter(e -> enabled(e.spec())).map(e -> new ToolSpec(e.spec().name(),
                e.spec().description(), e.spec().category(), e.spec().parametersSchema(), e.spec().permissions(), timeout(e.spec()),
                e.spec().touchesOutside()));
    }

    /** @return how many tools there are */
    public int size() {
        return tools.size();
    }

    private ToolReport report(Entry e) {
        return new ToolReport(e.spec().name(), e.spec().description(), e.spec().category(), new JsonText(Json.write(e.schema())),
                e.spec().permissions(), timeout(e.spec()).toString(), e.origin(), enabled(e.spec()));
    }

    private Duration timeout(ToolSpec spec) {
        return timeouts.getOrDefault(spec.name(), spec.timeout());
    }

    private boolean enabled(ToolSpec spec) {
        return !spec.touchesOutside() || outsideEnabled.contains(spec.name());
    }

    /**
     * Runs a tool.
     *
     * @param name the tool
     * @param argumentsJson a JSON object
     * @param caller who asks; it must hold the tool's permissions
     * @return the result as JSON text
     * @throws CallFailedException NOT_FOUND (no such tool), INVALID_REQUEST (bad arguments, naming
     *         each parameter), REFUSED (not enabled), TIMEOUT, INTERNAL (the tool crashed)
     */
    public String run(String name, String argumentsJson, Caller caller) {
        Entry e = tools.get(name);
        if (e == null && disabled.contains(name)) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "Tool '" + name + "' is switched off on this node (tools.disabled in config.yaml).");
        }
        if (e == null) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "No tool named '" + name + "'. Known tools: "
                    + String.join(", ", tools.keySet()) + ".");
        }
        if (!enabled(e.spec())) {
            throw new CallFailedException(FailureKind.REFUSED, "Tool '" + name + "' reaches outside this node and is off."
                    + " Enable it by adding it to tools.enabled-outside in config.yaml.");
        }
        Optional<ToolGrants.Missing> missing = grants.missing(caller, e.spec().permissions());
        if (missing.isPresent()) {
            throw new CallFailedException(FailureKind.REFUSED, "Tool '" + name + "' needs " + missing.get().explain(caller));
        }
        JsonNode args;
        try {
            args = Json.parse(argumentsJson.isBlank() ? "{}" : argumentsJson);
        } catch (IllegalArgumentException ex) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "Parameters of '" + name + "' are " + ex.getMessage());
        }
        List<SchemaValidator.Problem> problems = SchemaValidator.problems(e.schema(), args);
        if (!problems.isEmpty()) {
            throw new InvalidParametersException("Invalid parameters for tool '" + name + "': "
                    + String.join("; ", problems.stream().map(SchemaValidator.Problem::message).toList())
                    + ". 'atmosphere tool info " + name + "' shows the parameters.", problems);
        }
        ToolCall call = new ToolCall(Json.write(args), caller.key());
        Future<ToolResult> future = executor.submit(() -> e.tool().invoke(call));
        try {
            ToolResult result = future.get(timeout(e.spec()).toMillis(), TimeUnit.MILLISECONDS);
            Json.parse(result.json());
            return result.json();
        } catch (TimeoutException ex) {
            future.cancel(true);
            throw new CallFailedException(FailureKind.TIMEOUT, "Tool '" + name + "' did not finish within " + timeout(e.spec())
                    + " and was cancelled" + (timeouts.containsKey(name) ? " (tools.timeouts." + name + " in config.yaml)" : "") + ".");
        } catch (InterruptedException ex) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.CANCELLED, "Tool '" + name + "' was cancelled");
        } catch (ExecutionException ex) {
            Throwable cause = ex.getCause();
            if (cause instanceof CallFailedException cfe) {
                throw cfe;
            }
            if (cause instanceof AtmosphereException ae) {
                throw new CallFailedException(FailureKind.INTERNAL, "Tool '" + name + "' failed: " + ae.getMessage(), ae);
            }
            throw new CallFailedException(FailureKind.INTERNAL, "Tool '" + name + "' crashed: " + PluginHost.oneLine(cause), cause);
        } catch (IllegalArgumentException ex) {
            throw new CallFailedException(FailureKind.INTERNAL, "Tool '" + name + "' returned a result that is " + ex.getMessage());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
