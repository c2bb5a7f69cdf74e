package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.NodeFinder;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere health}: whether this data dir's node serves, as an exit code and one line. */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = {"Exit 0 if the node of this data dir serves and answers /health with its own node id, 1 otherwise; "
                + "prints one line either way (for container health checks, service monitors and scripts)."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:the node serves", "1:it does not (the line says why)"})
final class HealthCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Override
    public Integer call() {
        NodeFinder.Health h = NodeFinder.health(root.session.dataDir());
        root.session.out.println(h.line());
        return h.serving() ? 0 : 1;
    }
}
