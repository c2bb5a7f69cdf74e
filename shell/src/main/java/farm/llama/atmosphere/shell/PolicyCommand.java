package farm.llama.atmosphere.shell;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere policy show}: what this node shares with the mesh. */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "What this node offers to the other members of its mesh (the 'policy' section of config.yaml).")
final class PolicyCommand {

    @ParentCommand
    RootCommand root;

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"The sharing policy in effect: model globs allowed and denied, for everyone and per member,",
                    "and the rate and concurrency limits per member. Enforced on this node for every forwarded request."})
    int show(@Option(names = "--json", description = "Print one JSON document.") boolean json) {
        Map<String, Object> p = root.session.api().policy();
        if (json) {
            Output.json(root.session.out, p);
            return 0;
        }
        var out = root.session.out;
        out.println("Sharing with the mesh: " + (Boolean.TRUE.equals(p.get("share")) ? "on" : "off (policy.share: false)"));
        out.println("  allow:        " + p.get("allow"));
        out.println("  deny:         " + p.get("deny"));
        out.println("  per member:   " + p.get("rate") + ", " + p.get("concurrency") + " at once");
        Object peers = p.get("peers");
        if (peers instanceof Map<?, ?> m && !m.isEmpty()) {
            out.println("Members with their own rules:");
            m.forEach((id, rules) -> out.println("  " + id + ": " + rules));
        }
        Object notes = p.get("notes");
        if (notes instanceof List<?> l) {
            l.forEach(n -> out.println("(" + n + ")"));
        }
        return 0;
    }
}
