package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.api.PolicyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    int show(@Mixin JsonOption json) {
        PolicyReport p = root.session.api().policy();
        if (json.on()) {
            Output.json(root.session.out, p);
            return 0;
        }
        var out = root.session.out;
        out.println("Sharing with the mesh: " + (p.share() ? "on" : "off (policy.share: false)"));
        out.println("  allow:        " + p.allow());
        out.println("  deny:         " + p.deny());
        out.println("  per member:   " + p.rate() + ", " + p.concurrency() + " at once");
        if (!p.peers().isEmpty()) {
            out.println("Members with their own rules:");
            p.peers().forEach((id, rules) -> out.println("  " + id + ": allow " + rules.allow() + ", deny " + rules.deny()
                    + rules.rate().map(r -> ", " + r).orElse("") + rules.concurrency().map(c -> ", " + c + " at once").orElse("")));
        }
        p.notes().forEach(n -> out.println("(" + n + ")"));
        return 0;
    }
}
