package farm.llama.atmosphere.image;

import static farm.llama.atmosphere.image.Commands.ok;
import static farm.llama.atmosphere.image.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.image.Commands.Run;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Homebrew formula the release build renders: valid Ruby ({@code ruby -c}), and loaded by a
 * stand-in for Homebrew's formula DSL ({@code src/test/ruby/formula_dsl.rb}) on each platform — every
 * download it names is an artifact whose sha256 it states, its install block finds every file it
 * installs in the real archive, its test block passes, its service runs {@code atmosphere serve}.
 */
class HomebrewFormulaIT {

    private static final String VERSION = Objects.requireNonNull(System.getProperty("atmosphere.version"), "-Datmosphere.version (the pom sets it)");
    private static final Path RELEASE = DebianRoot.TARGET.resolve("release");
    private static final Path SRC = Path.of(System.getProperty("atmosphere.src", "src/main"));
    private static final Path DSL = Path.of(System.getProperty("atmosphere.test.ruby", "src/test/ruby")).resolve("formula_dsl.rb");
    private static final String RELEASE_URL = "https://github.com/llama-farm/atmosphere/releases/download/v" + VERSION;

    private static Path work;
    private static Path archive;

    @BeforeAll
    static void prepare() throws Exception {
        Commands.requireTool("ruby");
        work = DebianRoot.TARGET.resolve("formula-it").toAbsolutePath();
        ok(List.of("rm", "-rf", work.toString()));
        Files.createDirectories(work);
        try (var files = Files.list(RELEASE)) {
            archive = files.filter(f -> f.getFileName().toString().matches("atmosphere-.+-(linux|macos)-(x64|aarch64)\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no archive in " + RELEASE));
        }
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (work != null) {
            ok(List.of("rm", "-rf", work.toString()));
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Loads FORMULA with the stand-in DSL, installing from a fresh unpacking of this build's archive into DIR. */
    private static JsonNode load(Path formula, Path dir) throws Exception {
        Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
        ok(List.of("tar", "-xzf", archive.toString(), "-C", unpacked.toString()));
        Run r = run(List.of("ruby", DSL.toString(), formula.toString(), unpacked.resolve("atmosphere-" + VERSION).toString(), dir.toString()),
                null, Map.of("ATMOSPHERE_AOT", "off"));
        assertEquals(0, r.code(), r.all());
        return ImageNodes.JSON.readTree(r.out());
    }

    /** @return each download the formula names, as platform → file name → sha256 */
    private static Map<String, Map<String, String>> downloads(JsonNode report) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        report.get("downloads").properties().forEach(e -> {
            String url = e.getValue().get("url").asText();
            assertTrue(url.startsWith(RELEASE_URL + "/"), "from the release's download folder: " + url);
            out.put(e.getKey(), Map.of(url.substring(RELEASE_URL.length() + 1), e.getValue().get("sha256").asText()));
        });
        return out;
    }

    @Test
    void theRenderedFormulaIsRubyAndInstallsThisBuildsArchiveAsHomebrewWould() throws Exception {
        Path formula = RELEASE.resolve("atmosphere.rb");
        Run syntax = run(List.of("ruby", "-c", formula.toString()));
        assertEquals("Syntax OK", syntax.out().strip(), syntax.all());

        JsonNode report = load(formula, work.resolve("release"));
        String cpu = archive.getFileName().toString().contains("-x64.") ? "intel" : "arm";
        String os = archive.getFileName().toString().contains("-linux-") ? "linux" : "macos";
        assertEquals(Map.of(os + "-" + cpu, Map.of(archive.getFileName().toString(), sha256(archive))), downloads(report),
                "this machine's build names its own archive and its sum");
        assertEquals(VERSION, report.get("version").asText());
        assertEquals("Apache-2.0", report.get("license").asText());

        List<String> installed = ImageNodes.JSON.convertValue(report.get("installed"), ImageNodes.JSON.getTypeFactory()
                .constructCollectionType(List.class, String.class));
        for (String file : List.of("bin/atmosphere", "etc/bash_completion.d/atmosphere", "share/zsh/site-functions/_atmosphere",
                "share/fish/vendor_completions.d/atmosphere.fish", "share/man/man1/atmosphere.1")) {
            assertTrue(installed.contains(file), file + " in " + installed);
        }
        assertTrue(report.get("bin").asText().endsWith("/libexec/bin/atmosphere"), "the command links to the image's launcher");
        assertEquals(List.of(work.resolve("release/prefix/bin/atmosphere").toString(), "serve"),
                ImageNodes.JSON.convertValue(report.at("/service/run"), List.class), "brew services runs the node");
        assertTrue(report.get("caveats").asText().contains("brew services start atmosphere"));
        assertEquals("passed", report.get("test").asText(), "its test block: init writes identity.json, --version names the version");
    }

    @Test
    void theReleaseWorkflowsFormulaNamesEveryPlatformWithItsOwnSum() throws Exception {
        // as the workflow's last job does it: one SHA256SUMS per platform, rendered together
        Path all = Files.createDirectories(work.resolve("all"));
        Map<String, String> names = new LinkedHashMap<>();
        names.put("macos-arm", "atmosphere-" + VERSION + "-macos-aarch64.tar.gz");
        names.put("macos-intel", "atmosphere-" + VERSION + "-macos-x64.tar.gz");
        names.put("linux-arm", "atmosphere-" + VERSION + "-linux-aarch64.tar.gz");
        names.put("linux-intel", "atmosphere-" + VERSION + "-linux-x64.tar.gz");
        List<String> sums = new java.util.ArrayList<>();
        for (String name : names.values()) {
            Path dir = Files.createDirectories(all.resolve(name.replace(".tar.gz", "")));
            if (name.equals(archive.getFileName().toString())) {
                Files.copy(archive, dir.resolve(name));
            } else {
                Files.writeString(dir.resolve(name), "another platform's archive: " + name); // stands for a file this machine cannot build
            }
            ok(List.of("sh", "-c", "cd '" + dir + "' && sha256sum " + name + " > SHA256SUMS"));
            sums.add(dir.resolve("SHA256SUMS").toString());
        }
        List<String> render = new java.util.ArrayList<>(List.of("bash", SRC.resolve("sh/render-formula.sh").toString(), VERSION, RELEASE_URL));
        render.addAll(sums);
        Run rendered = run(render);
        assertEquals(0, rendered.code(), rendered.all());
        Path formula = Files.writeString(all.resolve("atmosphere.rb"), rendered.out());
        Map<String, Map<String, String>> downloads = downloads(load(formula, work.resolve("all-install")));
        assertEquals(names.keySet(), downloads.keySet(), "a download for each platform");
        for (var e : names.entrySet()) {
            Path file = all.resolve(e.getValue().replace(".tar.gz", "")).resolve(e.getValue());
            assertEquals(Map.of(e.getValue(), sha256(file)), downloads.get(e.getKey()), e.getKey());
        }
    }
}
