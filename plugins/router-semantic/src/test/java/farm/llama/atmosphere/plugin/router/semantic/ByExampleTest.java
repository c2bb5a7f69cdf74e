package farm.llama.atmosphere.plugin.router.semantic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.discovery.ModelProfiles;
import farm.llama.atmosphere.spi.routing.Embedder;
import farm.llama.atmosphere.spi.routing.RouteCandidate;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routing by example with the lexical embedder (deterministic, no model). */
class ByExampleTest {

    static final Set<String> TEXT = Set.of("llm/chat", "llm/code", "llm/reasoning", "llm/math", "llm/translate", "vision/chat");

    @TempDir
    Path dir;

    private final SemanticRouter router = new SemanticRouter();
    private final Embedder embedder = router.routingEmbedder(new LexicalEmbedder());

    private RouteDecision route(String intent, Set<String> needs, Map<String, Double> costs, String... models) {
        float[] q = embedder.embed(intent);
        List<RouteCandidate> out = new ArrayList<>();
        for (String m : models) {
            ModelProfiles.Profile p = ModelProfiles.describe(m, List.of());
            Capability c = new Capability("b/" + m, "0123456789abcdef", p.type(), m, p.description(), List.of(m), p.tags(), "local",
                    Map.of("backend", "b"));
            if (needs.contains(c.type())) {
                out.add(new RouteCandidate(c, embedder.embed(c.description()), q, Map.of("load", costs.getOrDefault(m, 1.0)), true));
            }
        }
        return router.route(new RouteQuery(intent, needs, Optional.empty()), out);
    }

    private static String winner(RouteDecision d) {
        return d.winner().orElseThrow(() -> new AssertionError(d.reason())).capability().name();
    }

    @Test
    void theNearestExamplesDecideTheTaskAndTheExplanationNamesThem() {
        RouteDecision d = route("Write a Python function that parses a CSV file", TEXT, Map.of(), "llama3.2:3b", "qwen2.5-coder:7b", "deepseek-r1:8b");
        assertEquals("qwen2.5-coder:7b", winner(d), d.reason());
        assertEquals("code", d.tasks().get(0).task(), d.tasks().toString());
        assertEquals(ExampleIndex.K, d.tasks().get(0).examples().size());
        assertTrue(d.reason().contains("task code") && d.reason().contains(d.tasks().get(0).examples().get(0).substring(0, 20)), d.reason());
        assertEquals(Tasks.NAMES.size(), d.tasks().size(), "every task is scored");
    }

    @Test
    void aTaskWithoutItsOwnModelGoesToTheNextTypeThatServesIt() {
        RouteDecision d = route("Solve for x: 5x - 3 = 2x + 12", TEXT, Map.of(), "llama3.2:3b", "deepseek-r1:8b");
        assertEquals("deepseek-r1:8b", winner(d), d.reason());
        assertTrue(d.reason().contains("no llm/math model is available, so llm/reasoning stands in"), d.reason());
        RouteDecision math = route("Solve for x: 5x - 3 = 2x + 12", TEXT, Map.of(), "llama3.2:3b", "deepseek-r1:8b", "qwen2-math:7b");
        assertEquals("qwen2-math:7b", winner(math), math.reason());
    }

    @Test
    void aTextOnlyRequestNeverGoesToAVisionModelWhileATextModelCanTakeIt() {
        RouteDecision d = route("Describe what is in this photo of my garden", TEXT, Map.of("llama3.2:3b", 50.0), "llava:7b", "llama3.2:3b");
        assertEquals("llama3.2:3b", winner(d), "even a far costlier text model: " + d.reason());
        assertEquals("vision", d.tasks().get(0).task());
        assertTrue(d.reason().contains("no image"), d.reason());
        assertEquals("llava:7b", d.runnersUp().get(d.runnersUp().size() - 1).capability().name(), "the vision model is the last resort");
        RouteDecision alone = route("Describe what is in this photo of my garden", TEXT, Map.of(), "llava:7b");
        assertEquals("llava:7b", winner(alone), "with no text model it serves, explained");
        assertTrue(alone.reason().contains("last resort"), alone.reason());
        RouteDecision image = route("Describe what is in this photo of my garden", Set.of("vision/chat"), Map.of(), "llava:7b", "llama3.2:3b");
        assertEquals("llava:7b", winner(image), "a request with an image goes to the vision model");
    }

    @Test
    void cheaperWinsAmongModelsOfTheWinningTypeAndCostNeverCrossesTypes() {
        RouteDecision d = route("Fix the NullPointerException in this Java method", TEXT, Map.of("qwen2.5-coder:7b", 3.0),
                "qwen2.5-coder:7b", "deepseek-coder:6.7b", "llama3.2:3b");
        assertEquals("deepseek-coder:6.7b", winner(d), d.reason());
        assertEquals("qwen2.5-coder:7b", d.runnersUp().get(0).capability().name(), "the same type fails over first");
    }

    @Test
    void aLowMarginPrefersTheCheaperGeneralModelAndSaysSo() {
        // an intent halfway between two tasks: taught examples make the tie exact
        router.teach(Map.of("code", List.of("zorblax quux frobnicate"), "chat", List.of("zorblax quux frobnicate")));
        RouteDecision d = route("zorblax quux frobnicate", TEXT, Map.of(), "qwen2.5-coder:7b", "llama3.2:3b");
        assertEquals("llama3.2:3b", winner(d), d.reason());
        assertTrue(d.reason().contains("within") && d.reason().contains("a general one first on a tie"), d.reason());
        RouteDecision cheaper = route("zorblax quux frobnicate", TEXT, Map.of("llama3.2:3b", 4.0), "qwen2.5-coder:7b", "llama3.2:3b");
        assertEquals("qwen2.5-coder:7b", winner(cheaper), "on a tie the cheaper one serves: " + cheaper.reason());
    }

    @Test
    void aSpecialistDescribedByItsOwnerWinsItsDomainAndOnlyIt() {
        Capability clinic = new Capability("farm/default/clinic", "0123456789abcdef", "llm/chat", "default/clinic",
                "You are a careful medical assistant: symptoms, medications, dosages and when to see a doctor.", List.of("default/clinic"),
                List.of("llamafarm", "project", "warm"), "local", Map.of("backend", "farm"));
        for (String[] c : new String[][] {
                {"What dose of ibuprofen is safe for a child with a fever?", "default/clinic"},
                {"Write a Python function that parses a CSV file", "qwen2.5-coder:7b"},
                {"Solve for x: 5x - 3 = 2x + 12", "deepseek-r1:8b"}}) {
            float[] q = embedder.embed(c[0]);
            List<RouteCandidate> out = new ArrayList<>();
            for (String m : List.of("llama3.2:3b", "qwen2.5-coder:7b", "deepseek-r1:8b")) {
                ModelProfiles.Profile p = ModelProfiles.describe(m, List.of());
                Capability cap = new Capability("b/" + m, "0123456789abcdef", p.type(), m, p.description(), List.of(m), p.tags(), "local",
                        Map.of("backend", "b"));
                out.add(new RouteCandidate(cap, embedder.embed(cap.description()), q, Map.of("cold", 1.3), true));
            }
            out.add(new RouteCandidate(clinic, embedder.embed(clinic.description()), q, Map.of(), true));
            RouteDecision d = router.route(new RouteQuery(c[0], TEXT, Optional.empty()), out);
            assertEquals(c[1], winner(d), c[0] + ": " + d.reason());
        }
    }

    @Test
    void taughtExamplesMoveAnIntentAndAreNamedInTheExplanation() {
        String intent = "the flux capacitor readings drift after midnight";
        router.teach(Map.of());
        RouteDecision before = route(intent, TEXT, Map.of(), "qwen2.5-coder:7b", "llama3.2:3b", "deepseek-r1:8b");
        router.teach(Map.of("reasoning", List.of(intent)));
        RouteDecision after = route(intent, TEXT, Map.of(), "qwen2.5-coder:7b", "llama3.2:3b", "deepseek-r1:8b");
        assertEquals("deepseek-r1:8b", winner(after), "before: " + before.reason() + "\nafter: " + after.reason());
        assertEquals("reasoning", after.tasks().get(0).task());
        assertTrue(after.tasks().get(0).examples().get(0).endsWith("(taught)"), after.tasks().toString());
        router.teach(Map.of("nonsense", List.of("x")));
        assertFalse(router.tasks().containsKey("nonsense"));
    }

    @Test
    void aModelEmbedderEmbedsTheExamplesOnceAndTheNextStartReadsThemFromDisk() throws Exception {
        CountingEmbedder model = new CountingEmbedder();
        SemanticRouter first = new SemanticRouter(dir);
        first.routingEmbedder(model);
        long end = System.nanoTime() + 60_000_000_000L;
        while (!first.examplesReady() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(first.examplesReady());
        int embedded = model.calls;
        assertTrue(embedded > 900, "every curated example: " + embedded);
        end = System.nanoTime() + 60_000_000_000L;
        while (!cacheWritten() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        SemanticRouter second = new SemanticRouter(dir);
        second.routingEmbedder(model);
        assertTrue(second.examplesReady(), "read from disk at once");
        assertEquals(embedded, model.calls, "nothing embedded again");
    }

    private boolean cacheWritten() throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.anyMatch(f -> f.toString().endsWith(".vec"));
        }
    }

    /** A model embedder stand-in: the lexical vectors under another name, counted. */
    private static final class CountingEmbedder implements Embedder {
        private final LexicalEmbedder lexical = new LexicalEmbedder();
        volatile int calls;

        @Override
        public String id() {
            return "counting-v1";
        }

        @Override
        public int dimensions() {
            return lexical.dimensions();
        }

        @Override
        public synchronized float[] embed(String text) {
            calls++;
            return lexical.embed(text);
        }

        @Override
        public void close() {
        }
    }
}
