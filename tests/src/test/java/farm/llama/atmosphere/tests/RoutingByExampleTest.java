package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing by example on a labelled set of our own (src/test/resources/routing-labelled.tsv, 313
 * intents, more than a third of them paraphrases that avoid the words naming their domain, none
 * of them among the router's examples): each is routed by a real node with the image's default
 * embedder (MiniLM) over stand-in Ollama models (a code model, a reasoning model, two chat
 * models, a vision model, an embedding model). The task the node names and the type of the model
 * it picks are counted per task and printed; each must reach 90% overall. The lexical fallback is
 * measured and printed beside it, with a floor of its own.
 */
class RoutingByExampleTest {

    @TempDir
    Path dir;

    record Case(String task, boolean paraphrase, String intent) {
    }

    static List<Case> cases() throws Exception {
        List<Case> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                RoutingByExampleTest.class.getResourceAsStream("/routing-labelled.tsv"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] p = line.split("\t", 3);
                    out.add(new Case(p[0], p[1].equals("p"), p[2]));
                }
            }
        }
        return out;
    }

    /** What a model of each type is called in the stand-in Ollama. */
    static final Map<String, String> TYPE_OF_TASK = Map.of("code", "llm/code", "chat", "llm/chat", "reasoning", "llm/reasoning",
            "math", "llm/reasoning", "translation", "llm/chat", "vision", "vision/chat", "embed", "llm/embed");

    @Test
    void theLabelledSetIsLargeEnoughAndKeptApartFromTheExamples() throws Exception {
        List<Case> cases = cases();
        assertTrue(cases.size() >= 300, "at least 300 intents: " + cases.size());
        assertTrue(cases.stream().filter(Case::paraphrase).count() * 3 >= cases.size(), "at least a third are paraphrases");
        assertEquals(cases.size(), Set.copyOf(cases.stream().map(Case::intent).toList()).size(), "no intent twice");
        Set<String> examples = new HashSet<>();
        Path jar = Path.of(System.getProperty("atmosphere.test.plugins", "target/plugins")).resolve("router-semantic.jar");
        try (var fs = java.nio.file.FileSystems.newFileSystem(jar)) {
            try (var files = Files.walk(fs.getPath("/farm/llama/atmosphere/plugin/router/semantic/tasks"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    try (InputStream in = Files.newInputStream(f)) {
                        new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip).forEach(examples::add);
                    }
                }
            }
        }
        assertTrue(examples.size() > 900, "the router's examples were read: " + examples.size());
        for (Case c : cases) {
            assertTrue(!examples.contains(c.intent()), "never test on an example: " + c.intent());
        }
    }

    @Test
    void theDefaultEmbedderRoutesNineInTenOfTheLabelledSet() throws Exception {
        double[] accuracy = measure(MiniLmTest.pluginsWithMiniLm(dir), "minilm-l6-v2-q");
        assertTrue(accuracy[0] >= 0.90, "task top-1 " + accuracy[0] + " below 0.90");
        assertTrue(accuracy[1] >= 0.90, "model type top-1 " + accuracy[1] + " below 0.90");
    }

    @Test
    void theLexicalFallbackKeepsItsFloor() throws Exception {
        double[] accuracy = measure(Path.of(System.getProperty("atmosphere.test.plugins", "target/plugins")), "lexical-v1");
        assertTrue(accuracy[0] >= 0.65, "lexical task top-1 " + accuracy[0] + " below 0.65");
        assertTrue(accuracy[1] >= 0.80, "lexical model type top-1 " + accuracy[1] + " below 0.80");
    }

    /** @return task top-1 and model-type top-1 over the labelled set */
    private double[] measure(Path plugins, String embedder) throws Exception {
        try (FakeOllama ollama = new FakeOllama()) {
            ollama.models = List.<String[]>of(
                    new String[] {"qwen2.5-coder:7b", "qwen2", "7.6B"},
                    new String[] {"deepseek-r1:8b", "qwen2", "8B"},
                    new String[] {"llama3.2:3b", "llama", "3.2B"},
                    new String[] {"mistral:7b", "llama", "7B"},
                    new String[] {"llava:7b", "llama", "7B"},
                    new String[] {"nomic-embed-text:latest", "nomic-bert", "137M"});
            ollama.loaded = List.of();
            Path home = Files.createDirectories(dir.resolve(embedder));
            try (NodeHarness node = routingNode(home, "  - type: ollama\n    url: " + ollama.url() + "\n", plugins, embedder, 6)) {
                Map<String, int[]> perTask = new TreeMap<>();
                int task = 0;
                int type = 0;
                int paraphrases = 0;
                int paraphrasesRight = 0;
                List<String> misses = new ArrayList<>();
                List<Case> cases = cases();
                for (Case c : cases) {
                    JsonNode d = route(node, c.intent(), c.task());
                    String gotTask = d.path("tasks").path(0).path("task").asText();
                    String gotType = d.path("winner").path("capability").path("type").asText();
                    int[] counts = perTask.computeIfAbsent(c.task(), k -> new int[3]);
                    counts[0]++;
                    if (gotTask.equals(c.task())) {
                        counts[1]++;
                        task++;
                    }
                    if (gotType.equals(TYPE_OF_TASK.get(c.task()))) {
                        counts[2]++;
                        type++;
                        if (c.paraphrase()) {
                            paraphrasesRight++;
                        }
                    } else {
                        misses.add(c.task() + " -> " + gotType + " (task " + gotTask + "): " + c.intent());
                    }
                    if (c.paraphrase()) {
                        paraphrases++;
                    }
                }
                System.out.printf("routing by example (%s), %d intents (%d paraphrases):%n", embedder, cases.size(), paraphrases);
                perTask.forEach((k, v) -> System.out.printf("  %-12s task %3d/%-3d  model type %3d/%-3d%n", k, v[1], v[0], v[2], v[0]));
                System.out.printf("  overall      task %.3f  model type %.3f  (paraphrases: model type %d/%d)%n",
                        task / (double) cases.size(), type / (double) cases.size(), paraphrasesRight, paraphrases);
                misses.forEach(m -> System.out.println("  miss: " + m));
                return new double[] {task / (double) cases.size(), type / (double) cases.size()};
            }
        }
    }

    /**
     * Starts a node over the given backends and waits until it routes by example.
     *
     * @param home its folder
     * @param backends the {@code backends:} entries, YAML
     * @param plugins its plugin folder
     * @param embedder the embedder it must be using
     * @param capabilities how many capabilities the backends offer
     * @return the node, routing by example
     */
    static NodeHarness routingNode(Path home, String backends, Path plugins, String embedder, int capabilities) throws Exception {
        NodeHarness node = new NodeHarness(home, "discovery:\n  probe-default-ports: false\n  interval: PT60S\nbackends:\n" + backends, plugins);
        try {
            JsonNode models = NodeHarness.json(node.get("/v1/models").body());
            assertTrue(models.toString().contains("\"" + embedder + "\""), "the node uses " + embedder + ": " + models);
            node.await("/api/v1/capabilities", c -> c.path("capabilities").size() == capabilities);
            // a model embedder may still be loading (or embedding examples of its own): wait until the examples decide
            NodeHarness.awaitTrue(() -> route(node, "hello there", "").path("tasks").size() > 0, "the examples are in use");
            return node;
        } catch (Exception | AssertionError e) {
            node.close();
            throw e;
        }
    }

    /** Routes like a request would be: a picture travels with vision intents, embedding intents ask for vectors. */
    static JsonNode route(NodeHarness node, String intent, String task) {
        try {
            var body = FakeBackend.JSON.createObjectNode().put("intent", intent);
            if (task.equals("vision")) {
                body.put("vision", true);
            } else if (task.equals("embed")) {
                body.set("needs", FakeBackend.JSON.valueToTree(List.of("llm/embed")));
            }
            return NodeHarness.json(node.post("/api/v1/route", body.toString()).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
