package farm.llama.atmosphere.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.image.Commands.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The release folder as a user downloads it: the archive (image, completions, man page, licence,
 * third-party notices), its SBOM naming the bundled JDK, {@code SHA256SUMS} and its signature, and
 * the same bytes from the same sources.
 */
class ReleaseIT {

    private static final String VERSION = java.util.Objects.requireNonNull(System.getProperty("atmosphere.version"), "-Datmosphere.version (the pom sets it)");
    private static final Path TARGET = Path.of(System.getProperty("atmosphere.target", "target"));
    private static final Path RELEASE = TARGET.resolve("release");

    private static Path work;
    private static Path archive;
    private static Path unpacked;

    private static void requireTool(String tool) throws Exception {
        Commands.requireTool(tool);
    }

    private static Run run(List<String> cmd, Path dir, Map<String, String> env) throws Exception {
        return Commands.run(cmd, dir, env);
    }

    @BeforeAll
    static void unpack() throws Exception {
        work = Files.createTempDirectory("release-it");
        try (Stream<Path> files = Files.list(RELEASE)) {
            List<Path> archives = files.filter(f -> f.getFileName().toString().matches("atmosphere-" + VERSION.replace(".", "\\.")
                    + "-(linux|macos)-(x64|aarch64)\\.tar\\.gz")).toList();
            assertEquals(1, archives.size(), "one archive for this platform in " + RELEASE + ": " + archives);
            archive = archives.get(0);
        }
        Run tar = run(List.of("tar", "-xzf", archive.toString(), "-C", work.toString()), null, Map.of());
        assertEquals(0, tar.code(), tar.err());
        unpacked = work.resolve("atmosphere-" + VERSION);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        run(List.of("rm", "-rf", work.toString()), null, Map.of());
    }

    @Test
    void theArchiveHoldsTheImageWithCompletionsAManPageAndTheLicences() throws Exception {
        Run version = run(List.of(unpacked.resolve("bin/atmosphere").toString(), "--version"), work,
                Map.of("ATMOSPHERE_DATA_DIR", work.resolve("data").toString()));
        assertEquals("Atmosphere " + VERSION, version.out().lines().findFirst().orElse(""), version.err());
        String commit = run(List.of("git", "rev-parse", "--short=12", "HEAD"), null, Map.of()).out().trim();
        assertTrue(version.out().contains("\ncommit " + (commit.matches("[0-9a-f]{12}") ? commit : "unknown") + "\n"),
                "the commit it was built from: " + version.out());
        String bash = Files.readString(unpacked.resolve("share/bash-completion/completions/atmosphere"));
        assertTrue(bash.contains("complete -F") && bash.contains("invite"), "bash completion of every command");
        String zsh = Files.readString(unpacked.resolve("share/zsh/site-functions/_atmosphere"));
        assertTrue(zsh.startsWith("#compdef atmosphere"), zsh.lines().findFirst().orElse(""));
        String fish = Files.readString(unpacked.resolve("share/fish/vendor_completions.d/atmosphere.fish"));
        assertTrue(fish.contains("complete -c atmosphere") && fish.contains("-l json"), "fish completion with options");
        assertTrue(Files.readString(unpacked.resolve("LICENSE")).contains("Apache License"), "the licence");
        String notices = Files.readString(unpacked.resolve("THIRD-PARTY-NOTICES"));
        for (String component : List.of("jackson-databind", "pf4j", "bcprov", "helidon", "jline", "jdk ")) {
            assertTrue(notices.contains(component), "third-party notices name " + component + ":\n" + notices);
        }
        assertTrue(Files.isDirectory(unpacked.resolve("legal/java.base")), "the JDK's own notices");
    }

    @Test
    void theManPageRendersWithoutWarningsAndCoversEveryCommand() throws Exception {
        requireTool("man");
        Path page = unpacked.resolve("share/man/man1/atmosphere.1");
        Run man = run(List.of("man", "--warnings", "-l", page.toString()), work, Map.of("MANWIDTH", "100", "MANPAGER", "cat", "PAGER", "cat"));
        assertEquals(0, man.code(), man.err());
        assertEquals("", man.err().strip(), "man -l renders it without warnings");
        for (String section : List.of("SYNOPSIS", "COMMANDS", "CONFIGURATION", "FILES", "ENVIRONMENT", "atmosphere mesh invite",
                "atmosphere model pull", "--data-dir", "api.port", "ATMOSPHERE_DATA_DIR")) {
            assertTrue(man.out().replace("\u2010", "-").contains(section), "the page has " + section);
        }
    }

    @Test
    void theSbomNamesTheBundledJdkAndTheLibraries() throws Exception {
        Path bom = RELEASE.resolve("atmosphere-" + VERSION + "-" + platformOf(archive) + ".cdx.json");
        String json = Files.readString(bom);
        String runtime = jdkRelease().get("JAVA_RUNTIME_VERSION");
        assertTrue(json.contains("\"name\" : \"jdk\"") && json.contains("\"version\" : \"" + runtime + "\""), "the JDK " + runtime + " in " + bom);
        assertTrue(json.contains("\"specVersion\"") && json.contains("jackson-databind") && json.contains("pkg:maven/org.pf4j/pf4j@"),
                "a CycloneDX document with the libraries");
    }

    @Test
    void theSumsVerifyAndTheSignatureChecksWithTheKeyThatMadeIt() throws Exception {
        requireTool("sha256sum");
        requireTool("gpg");
        Path copy = Files.createDirectories(work.resolve("release-copy"));
        try (Stream<Path> files = Files.list(RELEASE)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Run check = run(List.of("sha256sum", "-c", "SHA256SUMS"), RELEASE, Map.of());
        assertEquals(0, check.code(), check.out() + check.err());
        assertTrue(check.out().contains(archive.getFileName() + ": OK") && check.out().contains("VERSION: OK"), check.out());

        // a throw-away key signs the sums; gpg checks the signature, and refuses it once the sums change
        Path gnupg = Files.createDirectories(work.resolve("gnupg"));
        run(List.of("chmod", "700", gnupg.toString()), null, Map.of());
        Map<String, String> env = Map.of("GNUPGHOME", gnupg.toString());
        Run key = run(List.of("gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Atmosphere test <test@invalid>", "ed25519", "sign", "1d"),
                null, env);
        assertEquals(0, key.code(), key.err());
        Path secret = work.resolve("test-key.asc");
        Run export = run(List.of("gpg", "--batch", "--armor", "--output", secret.toString(), "--export-secret-keys"), null, env);
        assertEquals(0, export.code(), export.err());
        Run sign = run(List.of("bash", Path.of(System.getProperty("atmosphere.src", "src/main")).resolve("sh/sign-release.sh").toString(),
                copy.toString()), null, Map.of("ATMOSPHERE_SIGNING_KEY_FILE", secret.toString()));
        assertEquals(0, sign.code(), sign.out() + sign.err());
        Run verify = run(List.of("gpg", "--batch", "--verify", "SHA256SUMS.asc", "SHA256SUMS"), copy, env);
        assertEquals(0, verify.code(), verify.err());
        Files.writeString(copy.resolve("SHA256SUMS"), "0".repeat(64) + "  " + archive.getFileName() + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        assertNotEquals(0, run(List.of("gpg", "--batch", "--verify", "SHA256SUMS.asc", "SHA256SUMS"), copy, env).code(),
                "a changed SHA256SUMS no longer matches its signature");
    }

    @Test
    void theSameSourcesGiveTheSameArchive() throws Exception {
        Path second = Files.createDirectories(work.resolve("second-build"));
        Path sbom = TARGET.resolve("bom.json");
        Run build = run(List.of("bash", Path.of(System.getProperty("atmosphere.src")).resolve("sh/build-image.sh").toString(), VERSION,
                System.getProperty("atmosphere.modules"), System.getProperty("atmosphere.plugins"), System.getProperty("atmosphere.src"),
                second.toString(), System.getProperty("atmosphere.license"), sbom.toString(), System.getProperty("atmosphere.outputTimestamp")),
                null, Map.of());
        assertEquals(0, build.code(), build.out() + build.err());
        Path again = second.resolve("release").resolve(archive.getFileName());
        if (!Arrays.equals(Files.readAllBytes(archive), Files.readAllBytes(again))) {
            throw new AssertionError("two builds of the same sources differ in: " + differences(archive, again, work.resolve("diff")));
        }
        assertEquals(Files.readString(RELEASE.resolve("SHA256SUMS")), Files.readString(second.resolve("release/SHA256SUMS")));
    }

    private static List<String> differences(Path a, Path b, Path dir) throws Exception {
        Path da = Files.createDirectories(dir.resolve("a"));
        Path db = Files.createDirectories(dir.resolve("b"));
        run(List.of("tar", "-xzf", a.toString(), "-C", da.toString()), null, Map.of());
        run(List.of("tar", "-xzf", b.toString(), "-C", db.toString()), null, Map.of());
        Map<String, String> ha = digests(da);
        Map<String, String> hb = digests(db);
        List<String> out = new ArrayList<>();
        java.util.Set<String> names = new java.util.TreeSet<>(ha.keySet());
        names.addAll(hb.keySet());
        for (String k : names) {
            if (!java.util.Objects.equals(ha.get(k), hb.get(k))) {
                out.add(k);
            }
        }
        return out.isEmpty() ? List.of("(no file differs: the tar headers or gzip do)") : out;
    }

    private static Map<String, String> digests(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                try {
                    out.put(root.relativize(p).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    private static String platformOf(Path archive) {
        String name = archive.getFileName().toString();
        return name.substring(("atmosphere-" + VERSION + "-").length(), name.length() - ".tar.gz".length());
    }

    private static Map<String, String> jdkRelease() throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of(System.getProperty("java.home")).resolve("release"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1).replaceAll("^\"|\"$", ""));
            }
        }
        return out;
    }
}
