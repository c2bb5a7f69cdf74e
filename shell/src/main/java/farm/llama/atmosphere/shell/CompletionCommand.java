package farm.llama.atmosphere.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code atmosphere completion bash|zsh|fish}: a completion script generated from the command tree. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a shell completion script generated from the command tree.",
                "bash:  source <(atmosphere completion bash)",
                "zsh:   source <(atmosphere completion zsh)",
                "fish:  atmosphere completion fish | source"})
final class CompletionCommand implements Callable<Integer> {

    enum ShellKind { bash, zsh, fish }

    @ParentCommand
    RootCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "bash, zsh or fish.")
    ShellKind shell;

    @Override
    public Integer call() {
        CommandLine top = spec.root().commandLine();
        switch (shell) {
            case bash -> root.session.out.print(AutoComplete.bash("atmosphere", top));
            case zsh -> {
                root.session.out.println("#compdef atmosphere");
                root.session.out.println("autoload -U +X bashcompinit && bashcompinit");
                root.session.out.print(AutoComplete.bash("atmosphere", top));
            }
            case fish -> root.session.out.print(fish(top.getCommandSpec()));
            default -> throw new IllegalStateException();
        }
        return 0;
    }

    /** Builds fish {@code complete} lines for every command, subcommand and option. */
    static String fish(CommandSpec rootSpec) {
        StringBuilder sb = new StringBuilder("# fish completion for atmosphere, generated from its command tree\n");
        sb.append("complete -c atmosphere -e\n");
        fishCommand(sb, rootSpec, List.of());
        return sb.toString();
    }

    private static void fishCommand(StringBuilder sb, CommandSpec spec, List<String> path) {
        String condition = path.isEmpty()
                ? "__fish_use_subcommand"
                : "__fish_seen_subcommand_from " + path.get(path.size() - 1);
        for (var sub : spec.subcommands().entrySet()) {
            if (sub.getValue().getCommandSpec().usageMessage().hidden()) {
                continue;
            }
            String desc = sub.getValue().getCommandSpec().usageMessage().description().length > 0
                    ? sub.getValue().getCommandSpec().usageMessage().description()[0] : "";
            sb.append("complete -c atmosphere -f -n '").append(condition).append("' -a ").append(sub.getKey())
              .append(" -d ").append(quote(desc)).append('\n');
        }
        for (OptionSpec opt : spec.options()) {
            if (opt.hidden()) {
                continue;
            }
            sb.append("complete -c atmosphere");
            if (!path.isEmpty()) {
                sb.append(" -n '").append(condition).append("'");
            }
            for (String name : opt.names()) {
                if (name.startsWith("--")) {
                    sb.append(" -l ").append(name.substring(2));
                } else if (name.startsWith("-") && name.length() == 2) {
                    sb.append(" -s ").append(name.substring(1));
                }
            }
            if (opt.completionCandidates() != null) {
                StringBuilder values = new StringBuilder();
                opt.completionCandidates().forEach(v -> values.append(v).append(' '));
                sb.append(" -xa ").append(quote(values.toString().trim()));
            } else if (opt.arity().max() > 0) {
                sb.append(" -r");
            }
            String desc = opt.description().length > 0 ? opt.description()[0] : "";
            sb.append(" -d ").append(quote(desc.replace("%%", "%"))).append('\n');
        }
        for (var sub : spec.subcommands().entrySet()) {
            List<String> next = new ArrayList<>(path);
            next.add(sub.getKey());
            fishCommand(sb, sub.getValue().getCommandSpec(), next);
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
