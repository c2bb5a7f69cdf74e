package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.NodeSetup;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere init}: create the node identity and a commented config. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create this node's Ed25519 identity, a commented config.yaml and the admin token.",
                "Refuses to touch an existing identity unless --force is given."})
final class InitCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "Node name (default: the host name).")
    String name;

    @Option(names = "--force", description = "Replace an existing identity (the node id changes).")
    boolean force;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        Session s = root.session;
        NodeSetup.InitResult r = NodeSetup.init(s.dataDir(), Optional.ofNullable(name), force);
        if (json.on()) {
            Output.json(s.out, r);
        } else {
            s.out.println((r.replaced() ? "Replaced the identity of " : "Initialised ") + r.dataDir());
            s.out.println("  Node ID:  " + r.nodeId());
            s.out.println("  Name:     " + r.name());
            s.out.println("  Identity: " + r.identityFile() + " (0600)");
            s.out.println("  Config:   " + r.configFile() + (r.configCreated() ? " (new, commented)" : " (kept)"));
            s.out.println("Next: 'atmosphere serve' starts the node.");
        }
        return 0;
    }
}
