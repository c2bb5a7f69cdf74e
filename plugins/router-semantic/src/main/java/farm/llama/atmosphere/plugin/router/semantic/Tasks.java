package farm.llama.atmosphere.plugin.router.semantic;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The tasks the router tells apart by example, each with the capability types that serve it (best
 * first) and its curated example intents: {@code tasks/<name>.txt} beside this class, one intent
 * per line, {@code #} comments, and a {@code serves:} line. Immutable and thread-safe.
 */
final class Tasks {

    /** The task files, in the order ties are broken. */
    static final List<String> NAMES = List.of("chat", "code", "reasoning", "math", "translation", "vision", "embed");

    /** The general task: what a low margin falls back to. */
    static final String GENERAL = "chat";

    /** The capability type of general models. */
    static final String GENERAL_TYPE = "llm/chat";

    /**
     * One task.
     *
     * @param name its name ({@code code})
     * @param serves the capability types that serve it, best first ({@code llm/code}, {@code llm/chat})
     * @param examples its curated example intents
     */
    record Task(String name, List<String> serves, List<String> examples) {
        Task {
            Objects.requireNonNull(name, "name");
            serves = List.copyOf(serves);
            examples = List.copyOf(examples);
        }
    }

    private static final List<Task> BUILT_IN = load();

    private Tasks() {
    }

    /** @return the built-in tasks, in {@link #NAMES} order */
    static List<Task> builtIn() {
        return BUILT_IN;
    }

    /** @return each task's name and the capability types that serve it, best first */
    static Map<String, List<String>> serving() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Task t : BUILT_IN) {
            out.put(t.name(), t.serves());
        }
        return out;
    }

    private static List<Task> load() {
        List<Task> out = new ArrayList<>();
        for (String name : NAMES) {
            try (InputStream in = Tasks.class.getResourceAsStream("tasks/" + name + ".txt")) {
                if (in == null) {
                    throw new IllegalStateException("the router's example set tasks/" + name + ".txt is missing from its jar");
                }
                out.add(parse(name, in));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(out);
    }

    static Task parse(String name, InputStream in) throws IOException {
        List<String> serves = List.of();
        List<String> examples = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            if (t.startsWith("serves:")) {
                serves = List.of(t.substring("serves:".length()).strip().split("\\s+"));
            } else {
                examples.add(t);
            }
        }
        if (serves.isEmpty()) {
            throw new IllegalStateException("tasks/" + name + ".txt has no 'serves:' line");
        }
        return new Task(name, serves, examples);
    }
}
