package farm.llama.atmosphere.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.util.Fuzz;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dropped-in plugin whose manifest is garbage is reported as failed; loading never throws and the other plugins load. */
class PluginManifestFuzzTest {

    @TempDir
    Path dir;

    @Test
    void fuzzedPluginPropertiesNeverBreakTheHost() throws Exception {
        Path jar = PluginJars.toolPlugin("fuzzed", "p.fuzzed", "fuzzed", "f").writeTo(dir.resolve("build"), "fuzzed.jar");
        byte[] jarBytes = Files.readAllBytes(jar);
        Path image = dir.resolve("image");
        PluginJars.toolPlugin("good", "p.good", "greet", "hello").writeTo(image, "good.jar");
        AtomicInteger n = new AtomicInteger();
        Fuzz.run("plugin.properties", List.of("plugin.id=fuzzed\nplugin.version=1.0.0\nplugin.requires=*\nplugin.dependencies=\n"
                .getBytes(StandardCharsets.UTF_8)), Set.of(), 256 << 20, 3, properties -> {
            Path user = Files.createDirectories(dir.resolve("user" + n.incrementAndGet()));
            try (OutputStream os = Files.newOutputStream(user.resolve("fuzzed.zip")); ZipOutputStream zip = new ZipOutputStream(os)) {
                zip.putNextEntry(new ZipEntry("lib/fuzzed.jar"));
                zip.write(jarBytes);
                zip.closeEntry();
                zip.putNextEntry(new ZipEntry("plugin.properties"));
                zip.write(properties);
                zip.closeEntry();
            }
            try (PluginHost host = new PluginHost(Optional.of(image), user, dir.resolve("state" + n.get()), "0.1.0", true)) {
                host.start();
                assertTrue(host.report().stream().anyMatch(r -> r.id().equals("good") && r.state().equals("started")),
                        "the good plugin still loads: " + host.report());
            }
        });
    }
}
