package farm.llama.atmosphere.runtime.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.util.FileModes;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The owner's examples: config checked, feedback kept atomically and bounded, bad files refused with a remedy. */
class RouteExamplesTest {

    @TempDir
    Path dir;

    @Test
    void configMustMapTasksToListsOfText() {
        ConfigException notAMap = assertThrows(ConfigException.class, () -> new RouteExamples(dir, List.of("x")));
        assertTrue(notAMap.getMessage().contains("routing.examples must map a task"), notAMap.getMessage());
        ConfigException notText = assertThrows(ConfigException.class, () -> new RouteExamples(dir, Map.of("code", List.of(3))));
        assertTrue(notText.getMessage().contains("routing.examples.code is not a list of text"), notText.getMessage());
        RouteExamples ok = new RouteExamples(dir, Map.of("code", List.of(" my build breaks ", "")));
        assertEquals(Map.of("code", List.of("my build breaks")), ok.all());
        assertEquals(List.of("code"), ok.configuredTasks());
    }

    @Test
    void feedbackIsKeptPrivatelyOnceAndBoundedAndComesBackAfterARestart() throws Exception {
        RouteExamples e = new RouteExamples(dir, Map.of("code", List.of("from config")));
        assertEquals(1, e.learn("code", "learned one"));
        assertEquals(1, e.learn("code", "learned one"), "the same intent is kept once");
        Path file = dir.resolve(RouteExamples.FILE);
        FileModes.assertPrivate(file);
        assertTrue(Files.readString(file).contains("\"format\" : 1"), Files.readString(file));
        for (int i = 0; i < RouteExamples.MAX_PER_TASK + 5; i++) {
            e.learn("math", "sum number " + i);
        }
        RouteExamples again = new RouteExamples(dir, Map.of("code", List.of("from config")));
        List<String> math = again.all().get("math");
        assertEquals(RouteExamples.MAX_PER_TASK, math.size(), "bounded");
        assertEquals("sum number 5", math.get(0), "the oldest went first");
        assertEquals(List.of("from config", "learned one"), again.all().get("code"), "config first, then what was learned");
    }

    @Test
    void anUnreadableOrNewerFileIsRefusedWithARemedyAndLeftAlone() throws Exception {
        Path file = dir.resolve(RouteExamples.FILE);
        Files.writeString(file, "{ not json");
        AtmosphereException bad = assertThrows(AtmosphereException.class, () -> new RouteExamples(dir, null));
        assertTrue(bad.getMessage().contains(file.toString()) && bad.getMessage().contains("routing works without them"), bad.getMessage());
        Files.writeString(file, "{\"format\": 9, \"examples\": {}}");
        AtmosphereException newer = assertThrows(AtmosphereException.class, () -> new RouteExamples(dir, null));
        assertTrue(newer.getMessage().contains("9"), newer.getMessage());
        assertEquals("{\"format\": 9, \"examples\": {}}", Files.readString(file), "nothing was changed");
    }
}
