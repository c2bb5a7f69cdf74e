package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.node.Node;
import java.net.URI;
import java.nio.file.Files;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere serve}: run the node until SIGTERM, Ctrl-C or {@code atmosphere stop}. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Start the node: the HTTP API (loopback only unless configured) until SIGTERM, Ctrl-C or 'atmosphere stop'.",
                "Initialises the data dir first if 'atmosphere init' was never run.",
                "Takes a lock on the data dir; a second 'serve' on the same data dir fails."})
final class ServeCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to bind (default: api.host, 127.0.0.1).")
    String host;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "Port to bind (default: api.port, 11451; 0 for any free port).")
    Integer port;

    @Override
    public Integer call() throws InterruptedException {
        Session s = root.session;
        NodeConfig config = s.config();
        if (!Files.exists(s.dataDir().identityFile())) {
            var init = NodeSetup.init(s.dataDir(), Optional.empty(), false);
            s.out.println("Initialised " + init.dataDir() + " as node " + init.nodeId() + " (" + init.name() + ")");
            config = s.config();
        }
        Main.configureLogging(config.logLevel());
        if (port != null && (port < 0 || port > 65535)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--port must be 0-65535, got " + port);
        }
        Node node = Node.open(s.dataDir(), config, Session.imagePlugins());
        URI address;
        try {
            address = node.serve(host != null ? host : config.apiHost(), port != null ? port : config.apiPort());
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "atmosphere-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        // 'atmosphere stop' (the admin over the API): the node closes, and the JVM ends as after Ctrl-C
        node.stopRequested().thenRunAsync(() -> {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                return; // a signal came first: the hook closes the node
            }
            node.close();
            stopped.countDown();
        }, task -> Thread.ofPlatform().name("atmosphere-stop").start(task));
        s.out.println("Atmosphere node " + node.identity().nodeId() + " serving on " + address + " (Ctrl-C to stop)");
        s.out.flush();
        stopped.await();
        return 0;
    }
}
