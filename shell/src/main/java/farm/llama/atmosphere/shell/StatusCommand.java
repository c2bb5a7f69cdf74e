package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.api.StatusReport;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere status}. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show this node: id, name, data dir, plugins and, if a node is serving, its live state.")
final class StatusCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        Session s = root.session;
        if (!Files.exists(s.dataDir().identityFile())) {
            throw new AtmosphereException(s.dataDir().noNodeMessage());
        }
        StatusReport r = s.api().status();
        if (json.on()) {
            Output.json(s.out, r);
            return 0;
        }
        s.out.println("Node Status");
        s.out.println("  Node ID:   " + r.nodeId());
        s.out.println("  Name:      " + r.name());
        s.out.println("  Version:   " + r.version());
        s.out.println("  Data dir:  " + r.dataDir());
        if (r.serving()) {
            s.out.println("  Serving:   yes, " + r.address().orElse("?") + " (pid " + r.pid().map(String::valueOf).orElse("?")
                    + ", up " + Output.duration(r.uptimeSeconds().orElse(0L)) + ")");
        } else {
            s.out.println("  Serving:   no ('atmosphere serve' starts the node)");
        }
        StatusReport.Plugins p = r.plugins();
        s.out.println("  Plugins:   " + p.started() + " started, " + p.disabled() + " disabled, " + p.failed() + " failed");
        s.out.println("  Tools:     " + r.tools());
        s.out.println("  Mesh:      " + r.meshId().map(m -> m + " (" + r.meshRole().orElse("?") + ")").orElse("none ('atmosphere mesh create -n NAME')"));
        return 0;
    }
}
