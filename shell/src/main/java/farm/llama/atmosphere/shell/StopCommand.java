package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.NodeClient;
import farm.llama.atmosphere.runtime.NodeFinder;
import farm.llama.atmosphere.runtime.config.Durations;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere stop}: ends the node of this data dir as SIGTERM would; the way to stop one on Windows. */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = {"Stop the node serving this data dir, as SIGTERM or Ctrl-C would (it leaves the mesh's view and "
                + "releases the data dir cleanly), and wait until its process has ended. The way to stop a node where "
                + "there are no signals, as on Windows, and from scripts. Needs the data dir's admin token."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:the node stopped", "1:no node serves this data dir, or it did not stop in time"})
final class StopCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
            description = "How long to wait for its process to end (default: ${DEFAULT-VALUE}; e.g. 30s, 2m).")
    String timeout;

    @Override
    public Integer call() throws Exception {
        Duration wait = Durations.parse(timeout).orElseThrow(() ->
                new AtmosphereException("--timeout: expected a duration such as 30s, 2m or PT1M, got '" + timeout + "'"));
        var s = root.session;
        Optional<NodeClient> node = NodeClient.connect(s.dataDir());
        if (node.isEmpty()) {
            s.out.println(NodeFinder.health(s.dataDir()).line());
            return 1;
        }
        var nodeFile = NodeFinder.readNodeFile(s.dataDir());
        long pid = nodeFile.map(n -> n.path("pid").asLong(-1)).orElse(-1L);
        String id = nodeFile.map(n -> n.path("nodeId").asText("")).orElse("");
        node.get().stop();
        Optional<ProcessHandle> process = pid > 0 ? ProcessHandle.of(pid) : Optional.empty();
        if (process.isPresent()) {
            try {
                process.get().onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                s.out.println("Node " + id + " (process " + pid + ") was asked to stop and still runs after " + timeout + ".");
                return 1;
            }
        }
        s.out.println("Stopped node " + id + (pid > 0 ? " (process " + pid + ")" : "") + ".");
        return 0;
    }
}
