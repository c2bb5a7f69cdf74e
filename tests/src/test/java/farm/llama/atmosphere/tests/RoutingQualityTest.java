package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing quality on a labelled set (src/test/resources/routing-quality.tsv): each intent is
 * routed by a real node over capabilities described by the real discovery plugins (Ollama models
 * and LlamaFarm domain projects), and the top-1 accuracy must reach the embedder's floor.
 */
class RoutingQualityTest {

    @TempDir
    Path dir;

    record Case(String expected, String intent) {
    }

    static final Set<String> STOP = Set.of("a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "is", "are",
            "my", "me", "i", "you", "your", "it", "this", "that", "what", "how", "why", "can", "do", "does", "be", "at",
            "from", "by", "as", "about", "please", "should", "would", "could", "will", "if", "we", "our", "its", "into");

    static List<Case> cases() throws Exception {
        List<Case> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                RoutingQualityTest.class.getResourceAsStream("/routing-quality.tsv"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\t", 2);
                out.add(new Case(parts[0].trim(), parts[1].trim()));
            }
        }
        return out;
    }

    static Set<String> contentWords(String text) {
        Set<String> words = new HashSet<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (w.length() > 1 && !STOP.contains(w)) {
                words.add(w.endsWith("s") && w.length() > 3 ? w.substring(0, w.length() - 1) : w);
            }
        }
        return words;
    }

    @Test
    void lexicalEmbedderReachesItsFloor() throws Exception {
        double accuracy = measure(dir, Path.of(System.getProperty("atmosphere.test.plugins", "target/plugins")), "lexical-v1");
        assertTrue(accuracy >= 0.70, "lexical top-1 " + accuracy + " below 0.70");
    }

    /**
     * Routes every labelled intent through a real node and returns the top-1 accuracy.
     *
     * @param dir a temporary folder
     * @param plugins the plugin folder (decides which embedder the node uses)
     * @param embedder the embedder id the node must be using
     */
    static double measure(Path dir, Path plugins, String embedder) throws Exception {
        try (FakeOllama ollama = new FakeOllama(); FakeLlamaFarm farm = new FakeLlamaFarm()) {
            ollama.models = List.<String[]>of(
                    new String[] {"llama3.2:latest", "llama", "3.2B"},
                    new String[] {"qwen2.5-coder:7b", "qwen2", "7.6B"},
                    new String[] {"deepseek-r1:8b", "qwen2", "8B"},
                    new String[] {"llava:13b", "llama", "13B"},
                    new String[] {"nomic-embed-text:latest", "nomic-bert", "137M"});
            ollama.loaded = List.of();
            farm.projects.put("clinic-assistant", "You are a careful medical assistant for a family clinic. You explain"
                    + " symptoms, medications, dosages and treatment options in plain language and say when to see a doctor.");
            farm.projects.put("lease-helper", "You are a legal assistant who reviews residential leases, rental contracts,"
                    + " deposits and tenant rights, and explains clauses and obligations.");
            farm.projects.put("money-coach", "You help with personal finance: budgets, taxes, investments, retirement"
                    + " savings, loans, mortgages and interest rates.");
            farm.projects.put("camelid-care", "You are an expert on llamas and alpacas: herd health, feeding, shearing,"
                    + " fiber, breeding and pasture management on small farms.");
            farm.projects.put("fishing-guide", "You are a fishing guide: fly fishing, trout and bass, choosing lures and"
                    + " bait, reading rivers and lakes, and the best seasons to catch fish.");
            String backends = "  - type: ollama\n    url: " + ollama.url() + "\n  - type: llamafarm\n    url: " + farm.url() + "\n";
            try (NodeHarness node = RoutingByExampleTest.routingNode(dir, backends, plugins, embedder, 10)) {
                JsonNode caps = NodeHarness.json(node.get("/api/v1/capabilities").body()).path("capabilities");
                Map<String, String> descriptions = new HashMap<>();
                caps.forEach(c -> descriptions.put(c.path("name").asText(), c.path("description").asText()));
                List<Case> cases = cases();
                assertTrue(cases.size() >= 60, "at least 60 intents, got " + cases.size());
                assertTrue(Set.copyOf(cases.stream().map(Case::expected).toList()).size() >= 8, "at least 8 capabilities");
                int disjoint = 0;
                int correct = 0;
                List<String> misses = new ArrayList<>();
                for (Case c : cases) {
                    assertTrue(descriptions.containsKey(c.expected()), "unknown capability " + c.expected() + " in " + descriptions.keySet());
                    Set<String> shared = new HashSet<>(contentWords(c.intent()));
                    shared.retainAll(contentWords(descriptions.get(c.expected())));
                    if (shared.isEmpty()) {
                        disjoint++;
                    }
                    // a request about a picture carries it (only vision models can take it); text-only requests
                    // never go to a vision model while a text model can take them
                    List<String> needs = c.expected().startsWith("llava") ? List.of("vision/chat")
                            : List.of("llm/chat", "llm/code", "llm/reasoning", "vision/chat", "llm/embed");
                    String body = FakeBackend.JSON.createObjectNode().put("intent", c.intent())
                            .set("needs", FakeBackend.JSON.valueToTree(needs)).toString();
                    JsonNode d = NodeHarness.json(node.post("/api/v1/route", body).body());
                    String got = d.path("winner").path("capability").path("name").asText();
                    if (got.equals(c.expected())) {
                        correct++;
                    } else {
                        misses.add(c.expected() + " <- " + got + " : " + c.intent());
                    }
                }
                double accuracy = (double) correct / cases.size();
                System.out.printf("routing quality (%s): %d/%d = %.3f, %d of %d intents share no content word with their target%n",
                        embedder, correct, cases.size(), accuracy, disjoint, cases.size());
                misses.forEach(m -> System.out.println("  miss: " + m));
                assertTrue(disjoint * 2 >= cases.size(), "at least half the intents share no content word with their target: " + disjoint);
                return accuracy;
            }
        }
    }

    @Test
    void theSetIsWellFormed() throws Exception {
        List<Case> cases = cases();
        assertEquals(cases.size(), Set.copyOf(cases.stream().map(Case::intent).toList()).size(), "no duplicate intents");
    }
}
