package farm.llama.atmosphere.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.Provider;
import farm.llama.atmosphere.spi.agent.Agent;
import farm.llama.atmosphere.spi.agent.AgentType;
import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.Router;
import farm.llama.atmosphere.spi.tool.Tool;
import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers hold in the compiled classes, not only in intent: every class this module compiles
 * is read (JDK class-file API) for the classes its constant pool names, in code and in signatures.
 */
class ArchitectureTest {

    private static final String RUNTIME = "farm.llama.atmosphere.runtime";
    private static final Pattern TYPE_IN_SIGNATURE = Pattern.compile("L([\\w$]+(?:/[\\w$]+)+)[;<]");

    /** class → the classes it names (binary names with dots). */
    private static final Map<String, Set<String>> USES = new TreeMap<>();

    @BeforeAll
    static void readClasses() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("target", "classes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class") && !f.endsWith("module-info.class")).toList()) {
                ClassModel model = ClassFile.of().parse(file);
                Set<String> uses = new TreeSet<>();
                for (PoolEntry e : model.constantPool()) {
                    if (e instanceof ClassEntry c && !c.asInternalName().startsWith("[")) {
                        uses.add(c.asInternalName().replace('/', '.'));
                    } else if (e instanceof Utf8Entry u) {
                        Matcher m = TYPE_IN_SIGNATURE.matcher(u.stringValue());
                        while (m.find()) {
                            uses.add(m.group(1).replace('/', '.'));
                        }
                    }
                }
                USES.put(model.thisClass().asInternalName().replace('/', '.'), uses);
            }
        }
        assertTrue(USES.size() > 300, "the compiled classes were not found: " + USES.size());
    }

    private static String packageOf(String cls) {
        return cls.contains(".") ? cls.substring(0, cls.lastIndexOf('.')) : "";
    }

    /** @return "A uses B" for each class of {@code pkg} that names a class {@code allowed} refuses */
    private static List<String> violations(String pkg, Predicate<String> allowed) {
        List<String> out = new ArrayList<>();
        USES.forEach((cls, uses) -> {
            if (packageOf(cls).equals(pkg)) {
                uses.stream().filter(u -> !packageOf(u).equals(pkg) && !allowed.test(u)).forEach(u -> out.add(cls + " uses " + u));
            }
        });
        return out;
    }

    @Test
    void swimDependsOnNothingElseOfTheNode() {
        assertTrue(USES.keySet().stream().anyMatch(c -> c.startsWith(RUNTIME + ".mesh.swim.SwimNode")));
        assertEquals(List.of(), violations(RUNTIME + ".mesh.swim", u -> !u.startsWith("farm.llama.atmosphere.")));
    }

    @Test
    void theRuntimeImplementsNoProviderAndNoRouterEmbedderOrAgent() throws ClassNotFoundException {
        // routers, embedders, agent types, tools, transports and discovery come from plugins (DESIGN.md)
        List<Class<?>> spi = List.of(Provider.class, Router.class, Embedder.class, AgentType.class, Agent.class, Tool.class);
        List<String> found = new ArrayList<>();
        for (String cls : USES.keySet()) {
            Class<?> c = Class.forName(cls, false, ArchitectureTest.class.getClassLoader());
            for (Class<?> i : spi) {
                if (i.isAssignableFrom(c)) {
                    found.add(cls + " implements " + i.getName());
                }
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void theApiTypesNeedOnlyTheJdkAndJacksonAnnotations() {
        assertTrue(USES.keySet().stream().anyMatch(c -> c.startsWith(RUNTIME + ".api.")));
        assertEquals(List.of(), violations(RUNTIME + ".api",
                u -> u.startsWith("java.") || u.startsWith("com.fasterxml.jackson.annotation.")));
    }

    @Test
    void noTwoPackagesOfTheRuntimeDependOnEachOtherThroughAnyPath() {
        Map<String, Set<String>> graph = new TreeMap<>();
        Map<String, String> example = new HashMap<>();
        USES.forEach((cls, uses) -> {
            String from = packageOf(cls);
            if (!from.startsWith(RUNTIME)) {
                return;
            }
            graph.computeIfAbsent(from, k -> new TreeSet<>());
            for (String u : uses) {
                String to = packageOf(u);
                if (to.startsWith(RUNTIME) && !to.equals(from) && graph.get(from).add(to)) {
                    example.put(from + " -> " + to, cls + " uses " + u);
                }
            }
        });
        List<String> cycles = new ArrayList<>();
        for (Set<String> component : stronglyConnected(graph)) {
            if (component.size() > 1) {
                List<String> edges = new ArrayList<>();
                for (String a : component) {
                    for (String b : graph.getOrDefault(a, Set.of())) {
                        if (component.contains(b)) {
                            edges.add(example.get(a + " -> " + b));
                        }
                    }
                }
                cycles.add(component + " through " + edges);
            }
        }
        assertEquals(List.of(), cycles, "package cycles");
    }

    /** Tarjan's algorithm, iterative over the (small) package graph. */
    private static List<Set<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String start : graph.keySet()) {
            if (!index.containsKey(start)) {
                connect(start, graph, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index, Map<String, Integer> low,
                                Deque<String> stack, Set<String> onStack, List<Set<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            out.add(component);
        }
    }
}
