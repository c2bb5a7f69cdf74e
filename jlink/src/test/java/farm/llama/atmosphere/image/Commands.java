package farm.llama.atmosphere.image;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs commands for the image tests and decides what a test may skip. */
final class Commands {

    private Commands() {
    }

    /** What a command did. */
    record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** Runs a command to its end (at most 10 minutes) with no input; its output is collected in files, so it never blocks. */
    static Run run(List<String> cmd, Path dir, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        Path out = Files.createTempFile("image-it", ".out");
        Path err = Files.createTempFile("image-it", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish in 10 minutes");
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Run run(List<String> cmd) throws Exception {
        return run(cmd, null, Map.of());
    }

    /** Runs a command that must succeed. */
    static Run ok(List<String> cmd) throws Exception {
        Run r = run(cmd);
        if (r.code() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + r.code() + ":\n" + r.all());
        }
        return r;
    }

    /** Fails where the environment must provide it ({@code ATMOSPHERE_REQUIRE_ENV_TESTS=1}, as {@code .ci/run} sets), skips otherwise. */
    static void requireThat(boolean present, String what) {
        if (!present && "1".equals(System.getenv("ATMOSPHERE_REQUIRE_ENV_TESTS"))) {
            throw new AssertionError(what + " (.ci/run provides it)");
        }
        Assumptions.assumeTrue(present, what);
    }

    /** {@link #requireThat} for a command on the {@code PATH}. */
    static void requireTool(String tool) throws Exception {
        requireThat(run(List.of("sh", "-c", "command -v " + tool)).code() == 0, tool + " is needed by this test and missing");
    }

    static boolean isRoot() throws Exception {
        return "0".equals(run(List.of("id", "-u")).out().trim());
    }
}
