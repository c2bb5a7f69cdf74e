package farm.llama.atmosphere.shell;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/** Runs the CLI in this JVM for the end-to-end tests, as {@code atmosphere ARGS} would. */
public final class Cli {

    private Cli() {
    }

    /**
     * @param args the command line
     * @param in its standard input
     * @param out its standard output
     * @param err its standard error
     * @param env its environment
     * @return its exit code
     */
    public static int run(String[] args, InputStream in, OutputStream out, OutputStream err, Map<String, String> env) {
        return Main.run(args, in, out, err, env);
    }
}
