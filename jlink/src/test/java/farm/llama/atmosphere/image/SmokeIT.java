package farm.llama.atmosphere.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.image.Commands.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The smoke test the release workflow runs on every platform's artifact ({@code src/test/sh/smoke.sh}),
 * run here on this platform's archive: so the workflow's step is itself tested before a tag runs it.
 */
class SmokeIT {

    private static final String VERSION = java.util.Objects.requireNonNull(System.getProperty("atmosphere.version"), "-Datmosphere.version (the pom sets it)");
    private static final Path RELEASE = Path.of(System.getProperty("atmosphere.target", "target")).resolve("release");
    private static final Path SMOKE = Path.of(System.getProperty("atmosphere.test.sh", "src/test/sh")).resolve("smoke.sh");
    private static final Path IMAGE = Path.of(System.getProperty("atmosphere.image", "target/atmosphere"));

    @Test
    void theReleaseArchivePassesTheWorkflowsSmokeTest() throws Exception {
        Path archive;
        try (Stream<Path> files = Files.list(RELEASE)) {
            archive = files.filter(f -> f.getFileName().toString().matches("atmosphere-" + VERSION.replace(".", "\\.") + "-[a-z]+-[a-z0-9]+\\.(tar\\.gz|zip)"))
                    .findFirst().orElseThrow(() -> new AssertionError("no archive in " + RELEASE));
        }
        Run smoke = Commands.run(List.of("bash", SMOKE.toString(), archive.toString()), null, Map.of());
        assertEquals(0, smoke.code(), smoke.all());
        for (String step : List.of("--version", "init", "serve + health", "tool run time", "stop", "the third serve starts with it", "passed")) {
            assertTrue(smoke.out().contains(step), "step '" + step + "' ran: " + smoke.all());
        }
    }

    @Test
    void stopWithoutANodeSaysSoAndExitsOne() throws Exception {
        Path data = Files.createTempDirectory("smoke-it");
        try {
            Run stop = Commands.run(List.of(IMAGE.resolve("bin/atmosphere").toString(), "stop"), null,
                    Map.of("ATMOSPHERE_DATA_DIR", data.toString(), "ATMOSPHERE_AOT", "off"));
            assertEquals(1, stop.code(), stop.all());
            assertTrue(stop.out().startsWith("no node serves " + data), stop.all());
        } finally {
            Commands.run(List.of("rm", "-rf", data.toString()));
        }
    }
}
