package farm.llama.atmosphere.spi.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteCandidate;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.Router;
import farm.llama.atmosphere.spi.routing.RouterProvider;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * What every router must do, on candidates with hand-made vectors: choose among what it is given,
 * never an unhealthy one, the closer in meaning when costs are equal, explain itself, and keep its
 * choices under concurrency.
 */
public abstract class RouterContract extends ProviderContract<RouterProvider> {

    @Override
    protected Class<RouterProvider> family() {
        return RouterProvider.class;
    }

    private static final Map<String, Double> NEUTRAL = Map.of("power", 1.0, "latency", 1.0, "load", 1.0);

    private static float[] unit(float... v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(n));
        }
        return out;
    }

    private static RouteCandidate candidate(String name, float[] vector, float[] query, boolean healthy) {
        Capability c = new Capability("b/" + name, "0123456789abcdef", "llm/chat", name, "model " + name, List.of(name),
                List.of(), "local", Map.of("backend", "b"));
        return new RouteCandidate(c, vector, query, NEUTRAL, healthy);
    }

    private static RouteQuery query(Optional<String> model) {
        return new RouteQuery("write some code", Set.of("llm/chat"), model);
    }

    @Test
    public void nothingToChooseFromIsNoWinnerWithAReason() {
        try (Router r = provider().create(context())) {
            RouteDecision d = r.route(query(Optional.empty()), List.of());
            assertTrue(d.winner().isEmpty(), d.toString());
            assertFalse(d.reason().isBlank(), "say why nothing was chosen");
        }
    }

    @Test
    public void theCloserInMeaningWinsWhenCostsAreEqualAndAnUnhealthyOneNeverWins() {
        float[] q = unit(1, 0, 0);
        RouteCandidate near = candidate("near", unit(0.9f, 0.1f, 0), q, true);
        RouteCandidate far = candidate("far", unit(0, 1, 0), q, true);
        RouteCandidate exact = candidate("exact", unit(1, 0, 0), q, false);
        try (Router r = provider().create(context())) {
            RouteDecision d = r.route(query(Optional.empty()), List.of(far, exact, near));
            assertEquals("near", d.winner().orElseThrow().capability().name(), d.toString());
            Set<String> seen = new HashSet<>();
            for (ScoredCandidate s : d.runnersUp()) {
                assertTrue(seen.add(s.capability().id()), "each runner-up once: " + d.runnersUp());
                assertFalse(s.capability().name().equals("exact"), "an unhealthy candidate is not offered: " + d.runnersUp());
                assertFalse(s.capability().id().equals(d.winner().get().capability().id()), "the winner is not its own runner-up");
            }
            assertTrue(r.route(query(Optional.empty()), List.of(exact)).winner().isEmpty(), "only an unhealthy candidate: no winner");
        }
    }

    @Test
    public void aNamedModelIsServedByACandidateOfThatModel() {
        float[] none = new float[0];
        try (Router r = provider().create(context())) {
            RouteDecision d = r.route(query(Optional.of("near")), List.of(candidate("near", none, none, true)));
            assertEquals("near", d.winner().orElseThrow().capability().name(), d.toString());
        }
    }

    @Test
    public void itRoutesWithSomeEmbedderAndTheSameChoicesFromManyThreads() throws Exception {
        float[] q = unit(1, 0, 0);
        List<RouteCandidate> candidates = List.of(candidate("near", unit(0.9f, 0.1f, 0), q, true), candidate("far", unit(0, 1, 0), q, true));
        try (Router r = provider().create(context())) {
            assertNotNull(r.routingEmbedder(new FixedEmbedder()));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> out = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    out.add(pool.submit(() -> r.route(query(Optional.empty()), candidates).winner().orElseThrow().capability().name()));
                }
                for (Future<String> f : out) {
                    assertEquals("near", f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** A stand-in for the node's embedder. */
    private static final class FixedEmbedder implements farm.llama.atmosphere.spi.routing.Embedder {
        @Override
        public String id() {
            return "fixed-v1";
        }

        @Override
        public int dimensions() {
            return 3;
        }

        @Override
        public float[] embed(String text) {
            return unit(1, 1, 1);
        }

        @Override
        public void close() {
        }
    }
}
