package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.api.PullStatus;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.MeshService;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.NodeEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code atmosphere model pull NAME --from NODE}: copies a model file a member shares, chunk by
 * chunk and resumable, into {@code models.dir}, then registers it with a local backend. A serving
 * node copies on this object's executor ({@link #close()} stops it); in-process, the caller waits.
 */
public final class ModelPulls implements AutoCloseable {

    private static final Pattern RATE = Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*(b|kb|mb|gb|kib|mib|gib)?\\s*(/s)?\\s*");
    /** At most this often a {@code model.pull.progress} event (and on every whole percent reached). */
    private static final long EVENT_NANOS = 200_000_000L;

    private final MeshService mesh;
    private final ModelCatalogue catalogue;
    private final Path modelsDir;
    private final Optional<String> maxRate;
    private final BooleanSupplier serving;
    private final Consumer<NodeEvent> events;
    private final AtomicReference<PullStatus> state = new AtomicReference<>(PullStatus.IDLE);
    private final ExecutorService work = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("atmosphere-pull-", 0).factory());

    /**
     * @param mesh the mesh, for the copy
     * @param catalogue registers the copied file
     * @param modelsDir where copies go ({@code models.dir})
     * @param maxRate {@code models.max-transfer-rate}, if set
     * @param serving whether the node serves (then the copy runs in the background)
     * @param events where {@code model.pull.*} go
     */
    public ModelPulls(MeshService mesh, ModelCatalogue catalogue, Path modelsDir, Optional<String> maxRate, BooleanSupplier serving,
                      Consumer<NodeEvent> events) {
        this.mesh = mesh;
        this.catalogue = catalogue;
        this.modelsDir = modelsDir;
        this.maxRate = maxRate;
        this.serving = serving;
        this.events = events;
    }

    /** @return the last pull's state */
    public PullStatus status() {
        return state.get();
    }

    /**
     * @param name the file, as the member shares it
     * @param fromNode the member
     * @param as the model name to register it under (default: the file name without {@code .gguf})
     * @return the state: started (serving) or finished (in-process)
     * @throws AtmosphereException if one runs already or the request is malformed
     */
    public synchronized PullStatus pull(String name, String fromNode, Optional<String> as) {
        if (state.get().running()) {
            throw new AtmosphereException("A pull is already running; 'atmosphere model pull --status' shows it.");
        }
        if (!Identity.isNodeId(fromNode)) {
            throw new AtmosphereException("A node id is 16 hex characters, got '" + fromNode + "'. 'atmosphere mesh members' lists them.");
        }
        if (name.isBlank() || name.contains("\0")) {
            throw new AtmosphereException("Name the file to pull, as the member shares it (e.g. 'tinyllama.gguf').");
        }
        long rate = bytesPerSecond(maxRate);
        String fileName = Path.of(name).getFileName().toString();
        String modelName = as.filter(a -> !a.isBlank()).orElse(fileName.replaceFirst("(?i)\\.gguf$", ""));
        Path target = modelsDir.resolve(fileName);
        state.set(PullStatus.start(name, fromNode, target.toString()));
        Runnable copy = () -> copy(name, fromNode, modelName, target, rate);
        if (serving.getAsBoolean()) {
            work.submit(copy);
        } else {
            copy.run(); // in-process: the CLI waits for it
        }
        return status();
    }

    private void copy(String name, String fromNode, String modelName, Path target, long rate) {
        long[] lastEvent = {0};
        int[] lastPercent = {-1};
        try {
            var result = mesh.calls().pullFile(fromNode, name, target, rate, p -> {
                state.updateAndGet(s -> s.progress(p.bytes(), p.total(), p.percent(), p.present(), p.fetched(), p.badChunks()));
                long now = System.nanoTime();
                if (p.percent() != lastPercent[0] && (now - lastEvent[0] > EVENT_NANOS || p.bytes() == p.total())) {
                    lastEvent[0] = now;
                    lastPercent[0] = p.percent();
                    events.accept(new NodeEvent("model.pull.progress", Instant.now(), Map.of("name", name, "from", fromNode,
                            "bytes", p.bytes(), "total", p.total(), "percent", p.percent())));
                }
            });
            String registered = catalogue.register(modelName, target, result.sha256());
            state.updateAndGet(s -> s.progress(result.bytes(), s.total().orElse(result.bytes()), 100, result.present(), result.fetched(),
                    result.badChunks()).done(result.sha256(), registered));
            events.accept(new NodeEvent("model.pull.done", Instant.now(), Map.of("name", name, "from", fromNode, "path", target.toString(),
                    "bytes", result.bytes(), "fetched", result.fetched())));
        } catch (RuntimeException e) {
            state.updateAndGet(s -> s.failed(String.valueOf(e.getMessage())));
            events.accept(new NodeEvent("model.pull.failed", Instant.now(), Map.of("name", name, "from", fromNode,
                    "error", String.valueOf(e.getMessage()))));
        }
    }

    /**
     * @param raw {@code models.max-transfer-rate}: {@code 20MB}, {@code 512KB/s}, a number of bytes
     * @return bytes per second, 0 for no limit
     */
    static long bytesPerSecond(Optional<String> raw) {
        if (raw.isEmpty()) {
            return 0;
        }
        Matcher m = RATE.matcher(raw.get());
        if (!m.matches()) {
            throw new AtmosphereException("models.max-transfer-rate: expected a rate such as 20MB or 512KB/s, got '" + raw.get() + "'.");
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long factor = switch (unit) {
            case "kb", "kib" -> 1024L;
            case "mb", "mib" -> 1024L * 1024;
            case "gb", "gib" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return (long) (Double.parseDouble(m.group(1)) * factor);
    }

    /** Stops a running copy (what arrived stays, and the next pull of the same file resumes it). */
    @Override
    public void close() {
        work.shutdownNow();
    }
}
