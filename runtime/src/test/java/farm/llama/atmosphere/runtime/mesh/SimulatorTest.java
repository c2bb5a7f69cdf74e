package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.mesh.swim.SwimConfig;
import farm.llama.atmosphere.runtime.util.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    private static Map<String, Object> run(int n, double loss, long seed, int kills) {
        return new Simulator(new Simulator.Options(n, loss, 5, seed, kills, SwimConfig.lan())).run();
    }

    @Test
    @SuppressWarnings("unchecked")
    void updatesReachEveryoneAndKilledNodesAreConfirmedDeadWithoutFalseDeaths() {
        Map<String, Object> r = run(60, 0.01, 42, 2);
        System.out.println(Json.pretty(r));
        Map<String, Object> update = (Map<String, Object>) r.get("capabilityUpdate");
        assertEquals(60, update.get("reached"), "the capability update reached every node");
        assertNotNull(update.get("allMs"));
        assertTrue(((Number) update.get("allMs")).longValue() < 10_000, r.toString());
        List<Map<String, Object>> kills = (List<Map<String, Object>>) r.get("kills");
        assertEquals(2, kills.size());
        for (Map<String, Object> k : kills) {
            assertNotNull(k.get("firstSuspicionMs"), "suspected: " + k);
            assertNotNull(k.get("deadEverywhereMs"), "confirmed dead at every live node: " + k);
        }
        assertEquals(0, r.get("falseDeaths"));
    }

    @Test
    void theSameSeedGivesTheSameReportByteForByte() {
        String a = Json.write(run(40, 0.02, 7, 1));
        String b = Json.write(run(40, 0.02, 7, 1));
        assertEquals(a, b);
        String c = Json.write(run(40, 0.02, 8, 1));
        assertTrue(!a.equals(c), "another seed, another run");
    }

    @Test
    @SuppressWarnings("unchecked")
    void withRealSignaturesEveryMessageIsSealedAndVerified() {
        Map<String, Object> r = new Simulator(new Simulator.Options(15, 0.0, 5, 3, 1, SwimConfig.lan(), true)).run();
        String signer = (String) r.get("signer");
        assertTrue(signer.startsWith("Ed25519 envelopes:") && signer.endsWith(" 0 refused"), signer);
        assertEquals(15, ((Map<String, Object>) r.get("capabilityUpdate")).get("reached"));
        assertEquals(0, r.get("falseDeaths"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Simulator.Options(101, 0, 5, 1, 0, SwimConfig.lan(), true));
    }

    @Test
    void badOptionsAreRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Simulator.Options(1, 0, 5, 1, 0, SwimConfig.lan()));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Simulator.Options(10, 1.5, 5, 1, 0, SwimConfig.lan()));
    }
}
