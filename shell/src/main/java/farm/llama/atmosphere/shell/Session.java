package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.NodeClient;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What every command shares: the data dir, the environment, the output streams, and the way to
 * reach the node — over HTTP when one serves the data dir, otherwise in-process.
 */
final class Session implements AutoCloseable {

    final Map<String, String> env;
    final PrintWriter out;
    final PrintWriter err;
    private Optional<Path> dataDirFlag = Optional.empty();
    private Node local;
    /** In the interactive shell: reads one line from the terminal with a prompt (null at end of input). */
    Function<String, String> lineReader;

    Session(Map<String, String> env, PrintWriter out, PrintWriter err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    void dataDirFlag(Optional<Path> flag) {
        this.dataDirFlag = flag;
    }

    DataDir dataDir() {
        return DataDir.resolve(dataDirFlag, env);
    }

    NodeConfig config() {
        return NodeConfig.load(dataDir().configFile(), env);
    }

    /** @return the image's plugins folder, when running from the image ({@code atmosphere.home} is set by bin/atmosphere) */
    static Optional<Path> imagePlugins() {
        String home = System.getProperty("atmosphere.home");
        if (home == null || home.isBlank()) {
            return Optional.empty();
        }
        Path dir = Path.of(home, "plugins");
        return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
    }

    /** @return the node serving the data dir, if any */
    Optional<NodeClient> remote() {
        return NodeClient.connect(dataDir());
    }

    /**
     * @return the serving node over HTTP, or the node opened in-process (closed with this session)
     */
    NodeApi api() {
        Optional<NodeClient> remote = remote();
        if (remote.isPresent()) {
            return remote.get();
        }
        if (local == null) {
            DataDir dir = dataDir();
            if (!Files.exists(dir.identityFile())) {
                throw new AtmosphereException(dir.noNodeMessage());
            }
            local = Node.open(dir, config(), imagePlugins());
        }
        return local;
    }

    @Override
    public void close() {
        if (local != null) {
            local.close();
            local = null;
        }
    }
}
