package farm.llama.atmosphere.runtime.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The owner's own example intents, by task: those in {@code routing.examples} (config) and those
 * learned from route feedback ({@code route-examples.json} in the data dir, written atomically,
 * at most {@link #MAX_PER_TASK} per task, the oldest dropped first). The router gets both
 * ({@code Router.teach}). Thread-safe.
 */
public final class RouteExamples {

    /**
     * What route feedback taught.
     *
     * @param task the task
     * @param intent the intent, now one of its examples
     * @param learned how many examples this node has learned for the task
     */
    public record Learned(String task, String intent, int learned) {
    }

    /** The newest format of {@code route-examples.json}. */
    public static final int FORMAT = 1;
    /** The file, inside the data dir. */
    public static final String FILE = "route-examples.json";
    /** Learned examples kept per task. */
    public static final int MAX_PER_TASK = 500;

    private final Path file;
    private final Map<String, List<String>> configured;
    private final Map<String, List<String>> learned = new LinkedHashMap<>();

    /**
     * @param dataDir the data dir, or null to keep learned examples in memory only
     * @param configured {@code routing.examples} as config holds it (task → list of intents), or null
     * @throws ConfigException when {@code routing.examples} is not a mapping of lists of text
     * @throws AtmosphereException when {@code route-examples.json} cannot be read
     */
    public RouteExamples(Path dataDir, Object configured) {
        this.file = dataDir == null ? null : dataDir.resolve(FILE);
        this.configured = configured(configured);
        if (file != null && Files.isRegularFile(file)) {
            try {
                JsonNode doc = FileFormat.read(file, FORMAT);
                doc.path("examples").properties().forEach(e -> {
                    List<String> list = new ArrayList<>();
                    e.getValue().forEach(x -> list.add(x.asText()));
                    learned.put(e.getKey(), list);
                });
            } catch (IOException | IllegalArgumentException e) {
                throw new AtmosphereException(file + " cannot be read (" + e.getMessage() + "). Fix it or move it away: it holds"
                        + " only the examples route feedback taught, and routing works without them.");
            }
        }
    }

    private static Map<String, List<String>> configured(Object value) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        String how = "routing.examples must map a task to a list of example intents, e.g.\n  routing:\n    examples:\n"
                + "      code: [\"my build breaks after the update\"]";
        if (!(value instanceof Map<?, ?> map)) {
            throw new ConfigException(List.of(how));
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof List<?> list) || list.stream().anyMatch(x -> !(x instanceof String))) {
                throw new ConfigException(List.of("routing.examples." + e.getKey() + " is not a list of text. " + how));
            }
            out.put(String.valueOf(e.getKey()), list.stream().map(x -> ((String) x).strip()).filter(x -> !x.isEmpty()).toList());
        }
        return out;
    }

    /** @return the configured and the learned examples, by task */
    public synchronized Map<String, List<String>> all() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        configured.forEach((k, v) -> out.put(k, new ArrayList<>(v)));
        learned.forEach((k, v) -> out.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        out.replaceAll((k, v) -> List.copyOf(v));
        return out;
    }

    /** @return the tasks named in {@code routing.examples} */
    public synchronized List<String> configuredTasks() {
        return List.copyOf(configured.keySet());
    }

    /**
     * Learns an example (once; a repeated one moves to the end) and saves the file.
     *
     * @param task the task, already checked against the router's
     * @param intent the intent
     * @return how many examples this task has learned
     * @throws IOException when the file cannot be written (nothing was changed then)
     */
    public synchronized int learn(String task, String intent) throws IOException {
        List<String> list = new ArrayList<>(learned.getOrDefault(task, List.of()));
        list.remove(intent);
        list.add(intent);
        while (list.size() > MAX_PER_TASK) {
            list.remove(0);
        }
        Map<String, List<String>> next = new LinkedHashMap<>(learned);
        next.put(task, list);
        if (file != null) {
            ObjectNode doc = Json.MAPPER.createObjectNode();
            doc.put("format", FORMAT);
            ObjectNode examples = doc.putObject("examples");
            next.forEach((k, v) -> {
                ArrayNode a = examples.putArray(k);
                v.forEach(a::add);
            });
            AtomicFiles.writeString(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc), AtomicFiles.PRIVATE);
        }
        learned.clear();
        learned.putAll(next);
        return list.size();
    }
}
