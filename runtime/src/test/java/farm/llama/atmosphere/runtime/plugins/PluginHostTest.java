package farm.llama.atmosphere.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.api.PluginReport;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginHostTest {

    @TempDir
    Path dir;

    private PluginHost host(Path image, Path user) {
        PluginHost h = new PluginHost(Optional.of(image), user, dir.resolve("state"), "0.1.0", true);
        h.start();
        return h;
    }

    private static PluginReport report(PluginHost host, String id) {
        return host.report().stream().filter(r -> r.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no report for " + id + " in " + host.report()));
    }

    private static List<String> pluginTypes(PluginHost host) {
        return host.providers(ToolProvider.class).stream().filter(f -> !f.origin().equals("builtin"))
                .map(f -> f.provider().type()).toList();
    }

    @Test
    void goodPluginLoadsAndBrokenOnesAreSkippedWithAOneLineReason() throws Exception {
        Path image = dir.resolve("image-plugins");
        Path user = dir.resolve("user-plugins");
        PluginJars.toolPlugin("good", "p.good", "greet", "hello").writeTo(image, "good.jar");
        Files.createDirectories(user);
        Files.write(user.resolve("corrupt.jar"), new byte[] {'P', 'K', 3, 4, 0, 0, 1, 2, 3, 4, 5});
        PluginJars.toolPlugin("future", "p.future", "later", "hi").requires(">=99.0.0").writeTo(user, "future.jar");
        PluginJars.toolPlugin("garbled", "p.garbled", "odd", "hi").requires("*\u000f").writeTo(user, "garbled.jar");
        PluginJars.plugin("thrower")
                .source("p.thrower.Provider", """
                        package p.thrower;
                        public final class Provider implements farm.llama.atmosphere.spi.tool.ToolProvider {
                            public Provider() { throw new IllegalStateException("native library missing"); }
                            public String type() { return "thrower"; }
                            public java.util.List<farm.llama.atmosphere.spi.tool.Tool> create(farm.llama.atmosphere.spi.NodeContext c) { return java.util.List.of(); }
                        }
                        """)
                .service(ToolProvider.class, "p.thrower.Provider")
                .writeTo(user, "thrower.jar");

        try (PluginHost host = host(image, user)) {
            PluginReport good = report(host, "good");
            assertEquals("started", good.state());
            assertEquals("image", good.source());
            assertEquals(List.of("tool:greet"), good.providers());
            assertTrue(good.error().isEmpty());

            PluginReport corrupt = report(host, "corrupt.jar");
            assertEquals("failed", corrupt.state());
            assertEquals("user", corrupt.source());
            assertFalse(corrupt.error().orElseThrow().contains("\n"), "one line");

            PluginReport future = report(host, "future");
            assertEquals("failed", future.state());
            assertEquals("requires Atmosphere >=99.0.0, this is 0.1.0", future.error().orElseThrow());

            PluginReport garbled = report(host, "garbled");
            assertEquals("failed", garbled.state());
            assertTrue(garbled.error().orElseThrow().startsWith("its Plugin-Requires '*\u000f' is not a version range"),
                    garbled.error().get());

            PluginReport thrower = report(host, "thrower");
            assertEquals("failed", thrower.state());
            assertTrue(thrower.error().orElseThrow().contains("native library missing"), thrower.error().get());

            assertEquals(List.of("greet"), pluginTypes(host), "only the good plugin contributes providers");
        }
    }

    @Test
    void disablePersistsAcrossRestartsAndEnableBringsItBack() throws Exception {
        Path image = dir.resolve("image");
        PluginJars.toolPlugin("good", "p.good2", "greet", "hello").writeTo(image, "good.jar");
        try (PluginHost host = host(image, dir.resolve("user"))) {
            assertEquals("disabled", host.disable("good").state());
            assertEquals(List.of(), pluginTypes(host));
        }
        try (PluginHost host = host(image, dir.resolve("user"))) {
            assertEquals("disabled", report(host, "good").state(), "disabled state survives a restart");
            assertEquals("started", host.enable("good").state());
            assertEquals(List.of("greet"), pluginTypes(host));
            AtmosphereException e = assertThrows(AtmosphereException.class, () -> host.disable("nope"));
            assertTrue(e.getMessage().contains("plugin list"), e.getMessage());
        }
        try (PluginHost host = host(image, dir.resolve("user"))) {
            assertEquals("started", report(host, "good").state());
        }
    }

    @Test
    void reloadPicksUpAChangedJarAndNewPlugins() throws Exception {
        Path user = dir.resolve("user");
        PluginJars.toolPlugin("one", "p.one", "first", "v1").writeTo(user, "one.jar");
        try (PluginHost host = host(dir.resolve("image"), user)) {
            assertEquals(List.of("first"), pluginTypes(host));
            PluginJars.toolPlugin("one", "p.one", "renamed", "v2").version("2.0.0").writeTo(user, "one.jar");
            host.reload(Optional.of("one"));
            assertEquals("2.0.0", report(host, "one").version());
            assertEquals(List.of("renamed"), pluginTypes(host));
            PluginJars.toolPlugin("two", "p.two", "second", "x").writeTo(user, "two.jar");
            host.reload(Optional.empty());
            assertEquals(2, pluginTypes(host).size());
        }
    }

    @Test
    void zipPluginsUnpackIntoTheStateDirNotBesideTheZip() throws Exception {
        Path image = dir.resolve("ro-image");
        Path jar = PluginJars.toolPlugin("zipped", "p.zipped", "zipped", "z").writeTo(dir.resolve("build"), "zipped.jar");
        Files.createDirectories(image);
        try (OutputStream os = Files.newOutputStream(image.resolve("zipped.zip")); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("lib/zipped.jar"));
            zip.write(Files.readAllBytes(jar));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("plugin.properties"));
            zip.write("plugin.id=zipped\nplugin.version=1.0.0\nplugin.requires=*\n".getBytes());
            zip.closeEntry();
        }
        try (PluginHost host = host(image, dir.resolve("user"))) {
            assertEquals("started", report(host, "zipped").state(), String.valueOf(host.report()));
            assertEquals(List.of("zipped"), pluginTypes(host));
        }
        try (var files = Files.list(image)) {
            assertEquals(List.of(image.resolve("zipped.zip")), files.toList(), "nothing is written into the plugin folder");
        }
        assertTrue(Files.isDirectory(dir.resolve("state/unpacked/zipped")));
    }

    private Path zipPlugin(Path folder, String id, String properties) throws IOException {
        Path jar = PluginJars.toolPlugin(id, "p." + id, id, "z").writeTo(dir.resolve("build-" + id), id + ".jar");
        Files.createDirectories(folder);
        try (OutputStream os = Files.newOutputStream(folder.resolve(id + ".zip")); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("lib/" + id + ".jar"));
            zip.write(Files.readAllBytes(jar));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("plugin.properties"));
            zip.write(("plugin.id=" + id + "\nplugin.version=1.0.0\nplugin.requires=*\n" + properties).getBytes());
            zip.closeEntry();
        }
        return folder.resolve(id + ".zip");
    }

    @Test
    void aPluginWhoseDependenciesCannotBeMetFailsAloneAndTheHostStillReloadsAndCloses() throws Exception {
        Path user = dir.resolve("user");
        PluginJars.toolPlugin("good", "p.good3", "greet", "hello").writeTo(user, "good.jar");
        zipPlugin(user, "orphan", "plugin.dependencies=nowhere\n");
        zipPlugin(user, "ping", "plugin.dependencies=pong\n");
        zipPlugin(user, "pong", "plugin.dependencies=ping\n");
        try (PluginHost host = host(dir.resolve("image"), user)) {
            assertEquals("started", report(host, "good").state());
            assertEquals("needs plugin 'nowhere', which is not installed", report(host, "orphan").error().orElseThrow());
            assertEquals("its plugin dependencies form a cycle", report(host, "ping").error().orElseThrow());
            assertEquals("failed", report(host, "pong").state());
            host.reload(Optional.of("good"));
            host.reload(Optional.empty());
            assertEquals("needs plugin 'nowhere', which is not installed", report(host, "orphan").error().orElseThrow());
            assertEquals(List.of("greet"), pluginTypes(host));
        }
    }

    @Test
    void zipSlipIsRefused() throws IOException {
        Path user = dir.resolve("user");
        Files.createDirectories(user);
        try (OutputStream os = Files.newOutputStream(user.resolve("evil.zip")); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("../../escaped.txt"));
            zip.write(1);
            zip.closeEntry();
        }
        try (PluginHost host = host(dir.resolve("image"), user)) {
            PluginReport evil = report(host, "evil.zip");
            assertEquals("failed", evil.state());
            assertTrue(evil.error().orElseThrow().contains("escapes"), evil.error().get());
        }
        assertFalse(Files.exists(dir.resolve("escaped.txt")));
    }
}
