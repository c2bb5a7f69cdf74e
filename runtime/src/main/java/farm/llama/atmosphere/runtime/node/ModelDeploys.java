package farm.llama.atmosphere.runtime.node;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.DeployStatus;
import farm.llama.atmosphere.runtime.api.TaskState;
import farm.llama.atmosphere.runtime.discovery.BackendState;
import farm.llama.atmosphere.runtime.discovery.DiscoveryService;
import farm.llama.atmosphere.runtime.mesh.MeshService;
import farm.llama.atmosphere.runtime.tools.ToolGrants;
import farm.llama.atmosphere.spi.FlowQueue;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code atmosphere model deploy}: has a backend pull a model (Ollama can) here and on members at
 * once, and keeps the state each node reports. The deploys run on this object's executor, which
 * {@link #close()} stops.
 */
public final class ModelDeploys implements AutoCloseable {

    private final DiscoveryService discovery;
    private final MeshService mesh;
    private final Supplier<ToolGrants> grants;
    private final String nodeId;
    private final Runnable ensureScanned;
    private final Consumer<NodeEvent> events;
    private final AtomicReference<DeployStatus> state = new AtomicReference<>(DeployStatus.IDLE);
    private final ExecutorService work = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("atmosphere-deploy-", 0).factory());

    /**
     * @param discovery this node's backends
     * @param mesh the mesh, for deploys on members
     * @param grants what each caller may do here (a member's deploy needs {@code models:deploy})
     * @param nodeId this node
     * @param ensureScanned scans the backends once, if nobody has yet
     * @param events where {@code model.progress} and {@code model.pulled} go
     */
    public ModelDeploys(DiscoveryService discovery, MeshService mesh, Supplier<ToolGrants> grants, String nodeId, Runnable ensureScanned,
                        Consumer<NodeEvent> events) {
        this.discovery = discovery;
        this.mesh = mesh;
        this.grants = grants;
        this.nodeId = nodeId;
        this.ensureScanned = ensureScanned;
        this.events = events;
    }

    /** @return the last deploy's state */
    public DeployStatus status() {
        return state.get();
    }

    /**
     * Starts a deploy and returns at once.
     *
     * @param model the model
     * @param targets node ids (this node's included)
     * @param all every live member and this node instead
     * @return the state just started
     * @throws AtmosphereException if one runs already or the request names nothing
     */
    public synchronized DeployStatus deploy(String model, List<String> targets, boolean all) {
        if (state.get().state() == TaskState.RUNNING) {
            throw new AtmosphereException("A deploy is already running; 'atmosphere model deploy' shows it.");
        }
        if (model.isBlank()) {
            throw new AtmosphereException("Name the model to deploy, e.g. 'atmosphere model deploy llama3.2 --all'.");
        }
        List<String> nodes = new ArrayList<>(all ? mesh.calls().liveMembers() : targets);
        if (all) {
            nodes.add(0, nodeId);
        }
        if (nodes.isEmpty()) {
            throw new AtmosphereException("Say where: --to NODE_ID (repeatable) or --all.");
        }
        state.set(DeployStatus.start(model, nodes));
        work.submit(() -> {
            List<Future<?>> each = new ArrayList<>();
            for (String n : nodes) {
                each.add(work.submit(() -> deployOn(n, model)));
            }
            for (Future<?> f : each) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (ExecutionException e) {
                    // deployOn records its own failure
                }
            }
            state.updateAndGet(DeployStatus::end);
        });
        return status();
    }

    private void deployOn(String n, String model) {
        state.updateAndGet(d -> d.with(n, DeployStatus.NodeProgress::pulling));
        Consumer<JsonNode> onProgress = p -> {
            Optional<Long> total = p.has("total") ? Optional.of(p.path("total").asLong()) : Optional.empty();
            Optional<Long> completed = p.has("total") ? Optional.of(p.path("completed").asLong()) : Optional.empty();
            state.updateAndGet(d -> d.with(n, st -> st.progress(p.path("status").asText(), total, completed)));
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("model", model);
            ev.put("node", n);
            ev.put("status", p.path("status").asText());
            if (p.has("total")) {
                ev.put("total", p.path("total").asLong());
                ev.put("completed", p.path("completed").asLong());
            }
            events.accept(new NodeEvent("model.progress", Instant.now(), ev));
        };
        try {
            if (n.equals(nodeId)) {
                pullHere(model, Caller.LOCAL, json -> onProgress.accept(Json.parse(json)));
            } else {
                mesh.calls().deploy(n, model, onProgress);
            }
            state.updateAndGet(d -> d.with(n, DeployStatus.NodeProgress::done));
            events.accept(new NodeEvent("model.deployed", Instant.now(), Map.of("model", model, "node", n)));
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            state.updateAndGet(d -> d.with(n, st -> st.failed(why)));
            events.accept(new NodeEvent("model.deploy.failed", Instant.now(), Map.of("model", model, "node", n, "error", why)));
        }
    }

    /**
     * Has the first backend here that can pull fetch a model, then rescans so it becomes a capability.
     *
     * @param model the model
     * @param caller who asks (a member needs {@code models:deploy})
     * @param progress each progress line, as the backend reports it (JSON)
     */
    public void pullHere(String model, Caller caller, Consumer<String> progress) {
        grants.get().missing(caller, List.of("models:deploy")).ifPresent(p -> {
            throw new CallFailedException(FailureKind.REFUSED, "Deploying models needs " + p.explain(caller));
        });
        ensureScanned.run();
        CallFailedException last = new CallFailedException(FailureKind.NOT_FOUND, "no backend on node " + nodeId
                + " can pull models (Ollama can)");
        backends:
        for (BackendState b : discovery.backends()) {
            if (!b.up()) {
                continue;
            }
            FlowQueue<String> lines = new FlowQueue<>(t -> new CallFailedException(FailureKind.INTERNAL, "pulling " + model + " failed: " + t, t));
            b.client().pull(model).subscribe(lines);
            while (true) {
                Optional<String> line;
                try {
                    line = lines.next(); // one line requested at a time: the backend waits while progress is handled
                } catch (CallFailedException e) {
                    if (e.kind() == FailureKind.CANCELLED) {
                        throw new CallFailedException(FailureKind.CANCELLED, "interrupted while pulling " + model);
                    }
                    if (e.kind() != FailureKind.NOT_FOUND || e.getMessage().contains("cannot pull " + model)) {
                        throw e;
                    }
                    last = e; // this backend does not know the model: the next one may
                    continue backends;
                }
                if (line.isEmpty()) {
                    break;
                }
                progress.accept(line.get());
            }
            discovery.scanNow();
            events.accept(new NodeEvent("model.pulled", Instant.now(), Map.of("model", model, "backend", b.id())));
            return;
        }
        throw last;
    }

    /** Stops running deploys (their nodes are told nothing more; a member's pull goes on there). */
    @Override
    public void close() {
        work.shutdownNow();
    }
}
