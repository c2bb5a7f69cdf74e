package farm.llama.atmosphere.image;

import static farm.llama.atmosphere.image.Commands.ok;
import static farm.llama.atmosphere.image.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.image.Commands.Run;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code install.sh} as a user runs it — {@code curl … | sh} — against release folders served by
 * {@code python3 -m http.server} on loopback: the release this build made, a copy whose
 * {@code SHA256SUMS} was tampered with, a newer version (this build's archive repacked under another
 * version number: the test's stand-in for a later release), and a copy signed with a throw-away key.
 * Every install goes into a prefix under {@code target/install-it}, never into this machine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstallScriptIT {

    private static final String VERSION = Objects.requireNonNull(System.getProperty("atmosphere.version"), "-Datmosphere.version (the pom sets it)");
    private static final String NEXT = VERSION + "-next";
    private static final Path RELEASE = DebianRoot.TARGET.resolve("release");
    /** a numeric user without rights, as in the Docker image */
    private static final String USER = "10001";

    private static Path work;
    private static Path served;
    private static String platform;
    private static Process server;
    private static String url;

    @BeforeAll
    static void serveReleases() throws Exception {
        for (String tool : List.of("python3", "curl", "tar", "sha256sum")) {
            Commands.requireTool(tool);
        }
        work = DebianRoot.TARGET.resolve("install-it").toAbsolutePath();
        ok(List.of("rm", "-rf", work.toString()));
        served = Files.createDirectories(work.resolve("served"));
        String archive;
        try (Stream<Path> files = Files.list(RELEASE)) {
            archive = files.map(f -> f.getFileName().toString()).filter(n -> n.matches("atmosphere-.+-(linux|macos)-(x64|aarch64)\\.tar\\.gz"))
                    .findFirst().orElseThrow(() -> new AssertionError("no archive for this platform in " + RELEASE));
        }
        platform = archive.substring(("atmosphere-" + VERSION + "-").length(), archive.length() - ".tar.gz".length());
        copyRelease(served.resolve("release"));

        Path tampered = copyRelease(served.resolve("tampered"));
        String sums = Files.readString(tampered.resolve("SHA256SUMS"));
        Matcher line = Pattern.compile("(?m)^([0-9a-f]{64})(  " + Pattern.quote(archive) + ")$").matcher(sums);
        assertTrue(line.find(), sums);
        String changed = (line.group(1).charAt(0) == '0' ? "1" : "0") + line.group(1).substring(1);
        Files.writeString(tampered.resolve("SHA256SUMS"), line.replaceFirst(changed + "$2"));

        // the newer release: this build's image under another version number
        Path repack = Files.createDirectories(work.resolve("repack"));
        ok(List.of("tar", "-xzf", RELEASE.resolve(archive).toString(), "-C", repack.toString()));
        Files.move(repack.resolve("atmosphere-" + VERSION), repack.resolve("atmosphere-" + NEXT));
        Files.writeString(repack.resolve("atmosphere-" + NEXT + "/VERSION"), NEXT + "\n");
        Path next = Files.createDirectories(served.resolve("next"));
        String nextArchive = "atmosphere-" + NEXT + "-" + platform + ".tar.gz";
        ok(List.of("sh", "-c", "tar -C '" + repack + "' -czf '" + next.resolve(nextArchive) + "' atmosphere-" + NEXT));
        Files.writeString(next.resolve("VERSION"), NEXT + "\n");
        ok(List.of("sh", "-c", "cd '" + next + "' && sha256sum " + nextArchive + " VERSION > SHA256SUMS"));

        ProcessBuilder pb = new ProcessBuilder("python3", "-u", "-m", "http.server", "--bind", "127.0.0.1", "0", "--directory", served.toString())
                .redirectErrorStream(true);
        server = pb.start();
        String said = new ProcessOutput(server.getInputStream()).await(s -> s.contains("Serving HTTP on"), "the HTTP server");
        Matcher port = Pattern.compile("port (\\d+)").matcher(said);
        assertTrue(port.find(), said);
        url = "http://127.0.0.1:" + port.group(1);
    }

    /** Copies this build's release folder, less the .deb (install.sh never reads it). */
    private static Path copyRelease(Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(RELEASE)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".deb")).toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return to;
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor();
        }
        if (work != null) {
            ok(List.of("rm", "-rf", work.toString()));
        }
    }

    /**
     * {@code curl -fsSL URL/FOLDER/install.sh | sh -s -- ARGS} (a failed download fails the pipe),
     * with the environment given, ATMOSPHERE_BASE_URL that folder unless given, and no other
     * ATMOSPHERE_ variable.
     */
    private static Run install(String folder, Map<String, String> env, String... args) throws Exception {
        String pipe = "set -o pipefail; curl -fsSL " + url + "/" + folder + "/install.sh | sh -s --"
                + (args.length == 0 ? "" : " " + String.join(" ", args));
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("ATMOSPHERE_BASE_URL", url + "/" + folder);
        List<String> cmd = new java.util.ArrayList<>(List.of("env"));
        System.getenv().keySet().stream().filter(k -> k.startsWith("ATMOSPHERE_") || k.equals("PREFIX")).forEach(k -> cmd.add("-u" + k));
        all.forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.addAll(List.of("bash", "-c", pipe));
        return run(cmd);
    }

    private static String link(Path path) throws Exception {
        return Files.readSymbolicLink(path).toString();
    }

    private static List<String> installed(Path prefix) throws Exception {
        if (!Files.isDirectory(prefix.resolve("lib"))) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(prefix.resolve("lib"))) {
            return dirs.map(d -> d.getFileName().toString()).filter(n -> n.contains("atmosphere")).sorted().toList();
        }
    }

    @Test
    void shellcheckFindsNothing() throws Exception {
        Commands.requireTool("shellcheck");
        Run check = run(List.of("shellcheck", "--shell=sh", "--severity=style", RELEASE.resolve("install.sh").toString()));
        assertEquals(0, check.code(), check.all());
    }

    @Test
    @Order(1)
    void installsTheReleaseTheFolderNamesAndItRunsThroughTheLink() throws Exception {
        Path prefix = work.resolve("prefix");
        Run install = install("release", Map.of("PREFIX", prefix.toString()), "--no-service");
        assertEquals(0, install.code(), install.all());
        assertTrue(install.out().contains("Checksum of atmosphere-" + VERSION + "-" + platform + ".tar.gz: good"), install.out());
        assertTrue(install.out().contains("Installed Atmosphere " + VERSION + " in " + prefix.resolve("lib/atmosphere-" + VERSION)), install.out());
        assertTrue(install.out().contains("Next: " + prefix.resolve("bin/atmosphere") + " serve"), "the next command, and that bin is not on PATH: "
                + install.out());

        assertEquals("../lib/atmosphere-" + VERSION + "/bin/atmosphere", link(prefix.resolve("bin/atmosphere")));
        Run version = run(List.of(prefix.resolve("bin/atmosphere").toString(), "--version"), work, Map.of("ATMOSPHERE_AOT", "off"));
        assertEquals(0, version.code(), version.all());
        assertEquals("Atmosphere " + VERSION, version.out().lines().findFirst().orElse(""));
        Map<String, String> data = Map.of("ATMOSPHERE_DATA_DIR", work.resolve("data").toString(), "ATMOSPHERE_AOT", "off");
        Run init = run(List.of(prefix.resolve("bin/atmosphere").toString(), "init"), work, data);
        assertEquals(0, init.code(), init.all());
        Run time = run(List.of(prefix.resolve("bin/atmosphere").toString(), "tool", "run", "time", "--json"), work, data);
        assertEquals(0, time.code(), "the installed image loads its plugins: " + time.all());
        for (String file : List.of("share/man/man1/atmosphere.1", "share/bash-completion/completions/atmosphere",
                "share/zsh/site-functions/_atmosphere", "share/fish/vendor_completions.d/atmosphere.fish")) {
            assertTrue(Files.isSymbolicLink(prefix.resolve(file)) && Files.isRegularFile(prefix.resolve(file)), file + " links into the image");
        }
        assertEquals(List.of("atmosphere-" + VERSION), installed(prefix), "nothing else, no partial download left");
    }

    @Test
    @Order(2)
    void aTamperedSumsFileIsRefusedAndNothingIsInstalled() throws Exception {
        Path prefix = work.resolve("tampered-prefix");
        Run install = install("tampered", Map.of("PREFIX", prefix.toString()), "--no-service");
        assertNotEquals(0, install.code(), install.all());
        assertTrue(install.err().contains("does not match SHA256SUMS") && install.err().contains("refusing to install (nothing was changed)"),
                install.err());
        assertFalse(Files.exists(prefix.resolve("bin/atmosphere"), LinkOption.NOFOLLOW_LINKS), "no command");
        assertEquals(List.of(), installed(prefix), "nothing unpacked");
    }

    @Test
    @Order(3)
    void aSecondVersionInstallsBesideTheFirstAndTheFirstComesBackWithoutADownload() throws Exception {
        Path prefix = work.resolve("prefix");
        Run next = install("release", Map.of("PREFIX", prefix.toString(), "ATMOSPHERE_BASE_URL", url + "/next"), "--no-service");
        assertEquals(0, next.code(), next.all());
        assertEquals(List.of("atmosphere-" + VERSION, "atmosphere-" + NEXT), installed(prefix), "both versions: " + next.out());
        assertEquals("../lib/atmosphere-" + NEXT + "/bin/atmosphere", link(prefix.resolve("bin/atmosphere")), "the command is the new one");
        assertEquals("../../../lib/atmosphere-" + NEXT + "/share/man/man1/atmosphere.1", link(prefix.resolve("share/man/man1/atmosphere.1")));
        assertTrue(next.out().contains("Kept the other installed versions: " + VERSION), next.out());

        Run back = install("release", Map.of("PREFIX", prefix.toString(), "ATMOSPHERE_VERSION", VERSION), "--no-service", "--prune");
        assertEquals(0, back.code(), back.all());
        assertTrue(back.out().contains("Atmosphere " + VERSION + " is already installed") && !back.out().contains("Downloading"), back.out());
        assertEquals("../lib/atmosphere-" + VERSION + "/bin/atmosphere", link(prefix.resolve("bin/atmosphere")));
        assertEquals(List.of("atmosphere-" + VERSION), installed(prefix), "--prune removed the other version");
    }

    @Test
    @Order(4)
    void aUserWithoutRootRightsInstallsInTheirHome() throws Exception {
        Commands.requireTool("setpriv");
        Commands.requireThat(Commands.isRoot(), "this test runs install.sh as another user: it runs as root");
        // the other user must reach its home: not under the checkout, which may sit in a folder only root can enter (mktemp -d)
        Path home = Files.createTempDirectory("atmosphere-install-home");
        ok(List.of("chown", USER + ":" + USER, home.toString()));
        try {
            installsAsTheUser(home);
        } finally {
            ok(List.of("rm", "-rf", home.toString()));
        }
    }

    private void installsAsTheUser(Path home) throws Exception {
        String pipe = "curl -fsSL " + url + "/release/install.sh | ATMOSPHERE_BASE_URL=" + url + "/release sh";
        Run install = run(List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--clear-groups", "env", "-i", "HOME=" + home,
                "PATH=/usr/local/bin:/usr/bin:/bin", "sh", "-c", pipe));
        assertEquals(0, install.code(), install.all());
        Path prefix = home.resolve(".local");
        assertTrue(install.out().contains("Installed Atmosphere " + VERSION + " in " + prefix.resolve("lib/atmosphere-" + VERSION)), install.out());
        assertFalse(install.out().contains("service"), "no service without root rights: " + install.out());
        assertEquals(USER, run(List.of("stat", "-c", "%u", prefix.resolve("lib/atmosphere-" + VERSION + "/bin/atmosphere").toString())).out().trim(),
                "the user's own files");
        Run version = run(List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--clear-groups", "env", "-i", "HOME=" + home,
                "ATMOSPHERE_AOT=off", prefix.resolve("bin/atmosphere").toString(), "--version"));
        assertEquals(0, version.code(), version.all());
        assertTrue(version.out().startsWith("Atmosphere " + VERSION), version.out());
    }

    @Test
    @Order(5)
    void aSignedReleaseInstallsOnlyWhenItsSignatureVerifiesWithTheKeyInTheScript() throws Exception {
        Commands.requireTool("gpg");
        Path gnupg = Files.createDirectories(work.resolve("gnupg"));
        ok(List.of("chmod", "700", gnupg.toString()));
        Map<String, String> env = Map.of("GNUPGHOME", gnupg.toString());
        Run key = run(List.of("gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Atmosphere test <test@invalid>", "ed25519", "sign", "1d"),
                null, env);
        assertEquals(0, key.code(), key.err());
        Path secret = work.resolve("test-key.asc");
        assertEquals(0, run(List.of("gpg", "--batch", "--armor", "--output", secret.toString(), "--export-secret-keys"), null, env).code());
        Path signed = copyRelease(served.resolve("signed"));
        Run sign = run(List.of("bash", Path.of(System.getProperty("atmosphere.src", "src/main")).resolve("sh/sign-release.sh").toString(),
                signed.toString()), null, Map.of("ATMOSPHERE_SIGNING_KEY_FILE", secret.toString()));
        assertEquals(0, sign.code(), sign.all());
        assertTrue(Files.readString(signed.resolve("install.sh")).contains("BEGIN PGP PUBLIC KEY BLOCK"), "the release key is in the script");

        Run good = install("signed", Map.of("PREFIX", work.resolve("signed-prefix").toString()), "--no-service");
        assertEquals(0, good.code(), good.all());
        assertTrue(good.out().contains("Signature of SHA256SUMS: good"), good.out());

        // a mirror that swaps the archive and rewrites the sums to match, but cannot sign them
        Path forged = copyRelease(served.resolve("forged"));
        Files.copy(signed.resolve("install.sh"), forged.resolve("install.sh"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(signed.resolve("SHA256SUMS.asc"), forged.resolve("SHA256SUMS.asc"));
        String archive = "atmosphere-" + VERSION + "-" + platform + ".tar.gz";
        Files.copy(served.resolve("next/atmosphere-" + NEXT + "-" + platform + ".tar.gz"), forged.resolve(archive), StandardCopyOption.REPLACE_EXISTING);
        ok(List.of("sh", "-c", "cd '" + forged + "' && sha256sum " + archive + " VERSION > SHA256SUMS"));
        Path forgedPrefix = work.resolve("forged-prefix");
        Run refused = install("forged", Map.of("PREFIX", forgedPrefix.toString()), "--no-service");
        assertNotEquals(0, refused.code(), refused.all());
        assertTrue(refused.err().contains("does not verify with the release key"), refused.err());
        assertEquals(List.of(), installed(forgedPrefix), "nothing installed");

        Files.delete(forged.resolve("SHA256SUMS.asc"));
        Run unsigned = install("forged", Map.of("PREFIX", forgedPrefix.toString()), "--no-service");
        assertNotEquals(0, unsigned.code(), unsigned.all());
        assertTrue(unsigned.err().contains("this release is signed, but") && unsigned.err().contains("SHA256SUMS.asc"), unsigned.err());
        assertEquals(List.of(), installed(forgedPrefix), "nothing installed");
    }

    @Test
    @Order(6)
    void asRootWhereSystemdRunsItSetsUpTheServiceRestartsItOnUpgradeAndUninstallKeepsTheData() throws Exception {
        DebianRoot debian = DebianRoot.copy("install-it-root");
        try {
            // the minimal root has no curl: the release folders are read over file://
            for (String folder : List.of("release", "next")) {
                ok(List.of("cp", "-r", served.resolve(folder).toString(), debian.at("/tmp/" + folder).toString()));
            }
            // systemd cannot run here (no PID 1 of its own): a stand-in systemctl records what it is asked, and has the real one
            // do what needs no running manager, offline (--root=/): enable and disable make and remove the unit's links
            Path systemctl = debian.at("/usr/local/sbin/systemctl");
            Files.writeString(systemctl, """
                    #!/bin/sh
                    echo "$*" >> /tmp/systemctl.log
                    verb=$1
                    case $verb in
                      enable|disable) shift; [ "$1" = --now ] && shift; exec /usr/bin/systemctl --root=/ "$verb" "$@" ;;
                    esac
                    exit 0
                    """);
            ok(List.of("chmod", "0755", systemctl.toString()));
            String install = "mkdir -p /run/systemd/system /tmp/it && cd /tmp && PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin "
                    + "ATMOSPHERE_BASE_URL=file:///tmp/%s sh /tmp/release/install.sh %s";
            Run first = debian.in(install.formatted("release", ""));
            assertEquals(0, first.code(), first.all());
            assertTrue(first.out().contains("Created the system user atmosphere") && first.out().contains("Started the service atmosphere"), first.out());
            String[] user = debian.inOk("getent passwd atmosphere").out().trim().split(":");
            assertTrue(Integer.parseInt(user[2]) < 1000 && user[5].equals("/var/lib/atmosphere") && user[6].endsWith("/nologin"), String.join(":", user));

            Path unit = debian.at("/etc/systemd/system/atmosphere.service");
            String expected = Files.readString(debian.at("/usr/local/lib/atmosphere-" + VERSION + "/share/systemd/atmosphere.service"))
                    .replace("ExecStart=/usr/bin/atmosphere serve", "ExecStart=/usr/local/bin/atmosphere serve");
            assertEquals(expected, Files.readString(unit), "the .deb's hardened unit, running the command install.sh linked");
            Run verify = debian.in("systemd-analyze verify --man=no /etc/systemd/system/atmosphere.service");
            assertEquals("", verify.all().strip(), "systemd-analyze verify is silent about it");
            assertTrue(Files.isSymbolicLink(debian.at("/etc/systemd/system/multi-user.target.wants/atmosphere.service")), "enabled");
            assertEquals(List.of("daemon-reload", "enable --now atmosphere.service"), Files.readAllLines(debian.at("/tmp/systemctl.log")));

            Run upgrade = debian.in(install.formatted("next", ""));
            assertEquals(0, upgrade.code(), upgrade.all());
            assertTrue(upgrade.out().contains("Restarted the service atmosphere on " + NEXT), upgrade.out());
            assertEquals(List.of("daemon-reload", "enable --now atmosphere.service", "daemon-reload", "try-restart atmosphere.service"),
                    Files.readAllLines(debian.at("/tmp/systemctl.log")), "an upgrade restarts a running service and enables nothing anew");

            debian.inOk("install -d -o atmosphere -g atmosphere -m 0750 /var/lib/atmosphere && echo kept > /var/lib/atmosphere/marker");
            Run uninstall = debian.in(install.formatted("release", "--uninstall"));
            assertEquals(0, uninstall.code(), uninstall.all());
            assertFalse(Files.exists(unit) || Files.exists(debian.at("/etc/systemd/system/multi-user.target.wants/atmosphere.service"),
                    LinkOption.NOFOLLOW_LINKS), "the unit and its link are gone");
            assertFalse(Files.exists(debian.at("/usr/local/bin/atmosphere"), LinkOption.NOFOLLOW_LINKS), "the command is gone");
            assertEquals(List.of(), installed(debian.at("/usr/local")), "every version is gone");
            assertTrue(Files.exists(debian.at("/var/lib/atmosphere/marker")) && uninstall.out().contains("its data stays in /var/lib/atmosphere"),
                    "the data stays: " + uninstall.out());
        } finally {
            debian.remove();
        }
    }
}
