package farm.llama.atmosphere.image;

import static farm.llama.atmosphere.image.Commands.requireThat;
import static farm.llama.atmosphere.image.Commands.requireTool;
import static farm.llama.atmosphere.image.Commands.run;

import farm.llama.atmosphere.image.Commands.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A copy of the pristine minimal Debian root ({@code src/test/sh/debian-root.sh}: debootstrap
 * {@code --variant=minbase} plus systemd, kept in {@code ~/.cache/atmosphere}) for one test class,
 * and scripts run in it as root in fresh mount, PID and network namespaces
 * ({@code src/test/sh/in-root.sh}): nothing a test starts there outlives the script or touches this
 * machine.
 */
final class DebianRoot {

    static final Path TARGET = Path.of(System.getProperty("atmosphere.target", "target"));
    static final Path SCRIPTS = Path.of(System.getProperty("atmosphere.test.sh", "src/test/sh"));

    private final Path work;
    private final Path root;

    private DebianRoot(Path work, Path root) {
        this.work = work;
        this.root = root;
    }

    /** Skips a test of something only Linux has (a Debian root, a .deb, systemd), by the OS it runs on. */
    static void onLinux() {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.junit.jupiter.api.condition.OS.LINUX.isCurrentOs(),
                "Linux only: this test needs a Debian root (namespaces, chroot, dpkg)");
    }

    /** @return the .deb this build made (the pristine root is keyed by its dependencies) */
    static Path deb() throws Exception {
        try (Stream<Path> files = Files.list(TARGET.resolve("release"))) {
            List<Path> debs = files.filter(f -> f.getFileName().toString().matches("atmosphere_.+_[a-z0-9]+\\.deb")).toList();
            if (debs.size() != 1) {
                throw new AssertionError("the build made one .deb in " + TARGET.resolve("release") + ": " + debs);
            }
            return debs.get(0);
        }
    }

    /**
     * Copies the pristine root (making it first if the cache has none) to {@code target/NAME/root}.
     * Skips (or fails, where the environment must provide it) without root rights or the tools;
     * skips on any OS but Linux (namespaces and a Debian root are Linux's alone).
     */
    static DebianRoot copy(String name) throws Exception {
        onLinux();
        for (String tool : List.of("debootstrap", "unshare", "chroot", "ip", "dpkg-deb", "dpkg-shlibdeps")) {
            requireTool(tool);
        }
        requireThat(Commands.isRoot(), "this test makes namespaces and a chroot: it runs as root");
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "atmosphere");
        Run pristine = run(List.of("sh", SCRIPTS.resolve("debian-root.sh").toString(), cache.toString(), deb().toString()));
        requireThat(pristine.code() == 0, "a minimal Debian root could not be made in " + cache + " (debootstrap from the Debian mirror): "
                + pristine.err());
        Path work = TARGET.resolve(name);
        DebianRoot made = new DebianRoot(work, work.resolve("root"));
        made.remove();
        Files.createDirectories(work);
        Commands.ok(List.of("cp", "-a", pristine.out().trim(), made.root.toString()));
        if (!"755".equals(run(List.of("stat", "-c", "%a", made.root.toString())).out().trim())) {
            throw new AssertionError("the root's / lets every user through");
        }
        return made;
    }

    /** @return where this copy's work lies (the root is its {@code root}) */
    Path work() {
        return work;
    }

    /** @return a path inside the root, as this machine sees it */
    Path at(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    /** Runs a script as root inside the root (its own namespaces: nothing it starts outlives it). */
    Run in(String script) throws Exception {
        return in(script, Map.of());
    }

    /** {@link #in} with settings of {@code in-root.sh} ({@code IN_ROOT_ADDRESS}). */
    Run in(String script, Map<String, String> settings) throws Exception {
        return run(List.of("sh", SCRIPTS.resolve("in-root.sh").toString(), root.toString(), script), null, settings);
    }

    /** {@link #in} that must succeed. */
    Run inOk(String script) throws Exception {
        return inOk(script, Map.of());
    }

    /** {@link #in} that must succeed. */
    Run inOk(String script, Map<String, String> settings) throws Exception {
        Run r = in(script, settings);
        if (r.code() != 0) {
            throw new AssertionError(script + "\nexited " + r.code() + ":\n" + r.all());
        }
        return r;
    }

    /** Deletes the copy, never through a mount that is still there. */
    void remove() throws Exception {
        if (!Files.exists(work)) {
            return;
        }
        // the namespaces took their mounts with them
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        if (mounts.contains(" " + work.toAbsolutePath() + "/")) {
            throw new AssertionError("something is still mounted under " + work + "; not deleting it");
        }
        Commands.ok(List.of("rm", "-rf", work.toString()));
    }
}
