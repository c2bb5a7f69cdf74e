package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.api.ModelEntry;
import farm.llama.atmosphere.runtime.discovery.BackendState;
import farm.llama.atmosphere.runtime.discovery.DiscoveryService;
import farm.llama.atmosphere.runtime.mesh.MeshService;
import farm.llama.atmosphere.runtime.mesh.ModelShares;
import farm.llama.atmosphere.runtime.routing.ModelNames;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/** The models this node, or its whole mesh, can serve; where a local backend keeps a model's file; registering a copied file. */
public final class ModelCatalogue {

    private static final System.Logger LOG = System.getLogger(ModelCatalogue.class.getName());

    private final DiscoveryService discovery;
    private final MeshService mesh;
    private final String nodeId;
    private final Runnable ensureScanned;
    private final Consumer<NodeEvent> events;

    /**
     * @param discovery this node's backends
     * @param mesh the mesh, for members' models
     * @param nodeId this node
     * @param ensureScanned scans the backends once, if nobody has yet
     * @param events where {@code model.registered} goes
     */
    public ModelCatalogue(DiscoveryService discovery, MeshService mesh, String nodeId, Runnable ensureScanned, Consumer<NodeEvent> events) {
        this.discovery = discovery;
        this.mesh = mesh;
        this.nodeId = nodeId;
        this.ensureScanned = ensureScanned;
        this.events = events;
    }

    /**
     * @param includeMesh whether members' models count
     * @return every model by name ({@code :latest} folded), its capability types and who serves it
     */
    public List<ModelEntry> models(boolean includeMesh) {
        ensureScanned.run();
        List<Capability> caps = new ArrayList<>(discovery.capabilities());
        if (includeMesh) {
            mesh.remoteBackends().forEach(b -> caps.addAll(b.capabilities()));
        }
        Map<String, Set<String>> types = new TreeMap<>();
        Map<String, List<ModelEntry.Served>> served = new TreeMap<>();
        for (Capability c : caps) {
            for (String model : c.models().isEmpty() ? List.of(c.name()) : c.models()) {
                String name = model.endsWith(":latest") ? model.substring(0, model.length() - 7) : model;
                types.computeIfAbsent(name, k -> new TreeSet<>()).add(c.type());
                boolean local = c.nodeId().equals(nodeId);
                String backend = c.metadata().getOrDefault("remoteBackend", c.metadata().getOrDefault("backend", ""));
                String size = c.metadata().get("sizeBytes");
                List<ModelEntry.Served> nodes = served.computeIfAbsent(name, k -> new ArrayList<>());
                if (nodes.stream().noneMatch(n -> n.nodeId().equals(c.nodeId()) && n.backend().equals(backend))) {
                    nodes.add(new ModelEntry.Served(c.nodeId(), local ? name : c.metadata().getOrDefault("member", ""), backend,
                            c.tags().contains("warm"), size == null ? null : Long.valueOf(size)));
                }
            }
        }
        return types.entrySet().stream().map(e -> new ModelEntry(e.getKey(), List.copyOf(e.getValue()), served.get(e.getKey()))).toList();
    }

    /**
     * @param model a model name
     * @return the file a backend on this machine keeps it in, if one serves it and says where
     */
    public Optional<Path> backendFile(String model) {
        for (BackendState b : discovery.backends()) {
            if (!b.up() || !ModelShares.onThisMachine(b.info().url())
                    || b.capabilities().stream().noneMatch(c -> ModelNames.serves(c, model))) {
                continue;
            }
            try {
                Optional<Path> f = b.client().modelFile(model);
                if (f.isPresent()) {
                    return f;
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> b.id() + " could not say where " + model + " lies: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Registers a copied model file with the first local backend that can import files.
     *
     * @param modelName the name to give it
     * @param file the file
     * @param sha256 its digest
     * @return what happened, for the pull's state
     */
    public String register(String modelName, Path file, String sha256) {
        String why = "no backend here imports model files (Ollama does)";
        for (BackendState b : discovery.backends()) {
            if (!b.up()) {
                continue;
            }
            try {
                b.client().register(modelName, file, sha256);
                discovery.scanNow();
                events.accept(new NodeEvent("model.registered", Instant.now(), Map.of("model", modelName, "backend", b.id())));
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
}
