package farm.llama.atmosphere.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.util.Fuzz;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
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

    /** Inputs the random part once found to break the host: a requirement PF4J's parser refuses with an unchecked error; a dependency on a plugin that is not there. */
    private static final List<byte[]> REGRESSIONS = List.of(HexFormat.of().parseHex(
            "706c7567696e2e69643d66757a7a65640a706c7567696e2e76657273696f6e3d312e306e2e76657273296f6e3d312e296f6e3d312e302e300a"
                    + "706c7567696e2e72657175697265733d2a0f0a706c7567696e2e646570656e64656e636965733d0a"),
            "plugin.id=fuzzed\nplugin.version=1.0.0\nplugin.requires=*\nplugin.dependencies=9223372036854775807\n".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    @Test
    void fuzzedPluginPropertiesNeverBreakTheHost() throws Exception {
        Path jar = PluginJars.toolPlugin("fuzzed", "p.fuzzed", "fuzzed", "f").writeTo(dir.resolve("build"), "fuzzed.jar");
        byte[] jarBytes = Files.readAllBytes(jar);
        Path image = dir.resolve("image");
        PluginJars.toolPlugin("good", "p.good", "greet", "hello").writeTo(image, "good.jar");
        AtomicInteger n = new AtomicInteger();
        Fuzz.run("plugin.properties", REGRESSIONS, List.of("plugin.id=fuzzed\nplugin.version=1.0.0\nplugin.requires=*\nplugin.dependencies=\n"
                .getBytes(StandardCharsets.UTF_8)), Set.of(), 256 << 20, 3,
                properties -> {
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
