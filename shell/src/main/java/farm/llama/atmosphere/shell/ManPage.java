package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.config.ConfigKey;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The manual page {@code atmosphere(1)} in roff, generated from the command tree (every command
 * and option), the registry of configuration keys, and the files and environment the node uses.
 * It names no date, so the same sources give the same page.
 */
final class ManPage {

    private ManPage() {
    }

    /**
     * @param root the root command
     * @param version the Atmosphere version
     * @return the page, for {@code man -l}
     */
    static String roff(CommandSpec root, String version) {
        StringBuilder sb = new StringBuilder();
        sb.append(".TH ATMOSPHERE 1 \"\" \"Atmosphere ").append(text(version)).append("\" \"User Commands\"\n");
        sb.append(".SH NAME\natmosphere \\- a semantic mesh for AI capabilities\n");
        sb.append(".SH SYNOPSIS\n.B atmosphere\n[\\fB\\-\\-data\\-dir\\fR \\fIDIR\\fR] [\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]]\n");
        sb.append(".SH DESCRIPTION\n");
        sb.append(text("Every device a person owns runs a node. A node finds the AI backends on its machine (Ollama, LM Studio, "
                + "llama.cpp, vLLM, LlamaFarm), shares what they can do with the other nodes of its mesh, and routes each request to "
                + "the capability that fits it best, by meaning and by cost, wherever it lives. It serves an OpenAI-compatible API "
                + "on loopback (port 11451 by default).")).append('\n');
        sb.append(".PP\n").append(text("Run without a command, atmosphere is an interactive shell with completion and history; every "
                + "command below works there too. A command that changes a serving node's state talks to that node over its API "
                + "with the data dir's admin token; without a serving node it works on the data dir directly.")).append('\n');
        sb.append(".SH OPTIONS\n");
        options(sb, root);
        sb.append(".SH COMMANDS\n");
        for (CommandLine sub : root.subcommands().values()) {
            command(sb, sub.getCommandSpec(), List.of(sub.getCommandSpec().name()));
        }
        sb.append(".SH CONFIGURATION\n");
        sb.append(text("The node reads config.yaml in its data dir; an ATMOSPHERE_* variable overrides a key (a.b-c is "
                + "ATMOSPHERE_A_B_C; a list is a JSON array). A mistyped key is refused with its file, line and name. The keys "
                + "of the node:")).append('\n');
        for (ConfigKey k : ConfigKey.ALL) {
            sb.append(".TP\n\\fB").append(text(k.name())).append("\\fR (").append(text(k.type().word()));
            if (!k.shownDefault().isEmpty() && !k.shownDefault().equals("[]")) {
                sb.append("; default ").append(text(k.shownDefault()));
            }
            sb.append(")\n").append(text(k.doc())).append('\n');
        }
        sb.append(".PP\n").append(text("A plugin's own section (transport.websocket, discovery.llamafarm, tools.core, ...) is checked "
                + "against the keys that plugin declares; the README lists those of the built-in plugins."))
                .append('\n');
        sb.append(".SH FILES\n");
        file(sb, "~/.atmosphere/", "The data dir of a user's node (0700; every file in it 0600).");
        file(sb, "/var/lib/atmosphere/", "The data dir of a system node (0750, group atmosphere: its members may use the CLI).");
        file(sb, "identity.json", "The node's Ed25519 identity.");
        file(sb, "config.yaml", "The node's configuration.");
        file(sb, "admin.token", "The token the CLI sends to change a serving node's state.");
        file(sb, "node.json, node.lock", "Where a serving node listens; held while it serves.");
        file(sb, "mesh/", "The mesh's keys, certificates, members, revocations and roster of roles.");
        file(sb, "plugins/", "Plugins the user dropped in (jars and zips); the image's own are in its plugins/ folder.");
        file(sb, "agents/", "Agent specs (YAML) added with agent add.");
        sb.append(".SH ENVIRONMENT\n");
        env(sb, "ATMOSPHERE_DATA_DIR", "The data dir (else ~/.atmosphere, or /var/lib/atmosphere when it holds the only node).");
        env(sb, "ATMOSPHERE_HOST, ATMOSPHERE_PORT", "Short forms of api.host and api.port.");
        env(sb, "ATMOSPHERE_<KEY>", "Overrides a configuration key, as above.");
        env(sb, "ATMOSPHERE_AOT", "off disables the start-up cache the launcher keeps in the data dir.");
        env(sb, "ATMOSPHERE_JAVA_OPTS", "More options for the JVM.");
        env(sb, "ATMOSPHERE_RELAY_TLS_PASSWORD", "The password of the relay's TLS keystore (relay serve).");
        sb.append(".SH EXIT STATUS\n").append(text("0 on success; 1 when the command failed, with what went wrong and what to do on "
                + "standard error; 2 for a command line it does not understand.")).append('\n');
        sb.append(".SH SEE ALSO\n").append(text("atmosphere completion bash|zsh|fish; the README of the distribution.")).append('\n');
        return sb.toString();
    }

    private static void command(StringBuilder sb, CommandSpec spec, List<String> path) {
        if (spec.usageMessage().hidden()) {
            return;
        }
        StringBuilder synopsis = new StringBuilder("atmosphere " + String.join(" ", path));
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (!p.hidden()) {
                synopsis.append(' ').append(p.arity().min() == 0 ? "[" + p.paramLabel() + "]" : p.paramLabel());
            }
        }
        sb.append(".SS \"").append(text(synopsis.toString())).append("\"\n");
        for (String line : spec.usageMessage().description()) {
            sb.append(text(line)).append('\n');
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (!p.hidden()) {
                sb.append(".TP\n\\fI").append(text(p.paramLabel())).append("\\fR\n").append(text(String.join(" ", p.description()))).append('\n');
            }
        }
        options(sb, spec);
        for (CommandLine sub : spec.subcommands().values()) {
            List<String> next = new ArrayList<>(path);
            next.add(sub.getCommandSpec().name());
            command(sb, sub.getCommandSpec(), next);
        }
    }

    private static void options(StringBuilder sb, CommandSpec spec) {
        for (OptionSpec o : spec.options()) {
            if (o.hidden() || o.longestName().equals("--help") || o.longestName().equals("--version")) {
                continue;
            }
            sb.append(".TP\n");
            List<String> names = new ArrayList<>();
            for (String n : o.names()) {
                names.add("\\fB" + text(n) + "\\fR");
            }
            sb.append(String.join(", ", names));
            if (o.arity().max() > 0) {
                sb.append(" \\fI").append(text(o.paramLabel())).append("\\fR");
            }
            sb.append('\n').append(text(String.join(" ", o.description()).replace("${DEFAULT-VALUE}",
                    String.valueOf(o.defaultValue())))).append('\n');
        }
        if (spec.mixinStandardHelpOptions() || spec.optionsMap().containsKey("--help")) {
            sb.append(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nShow this command's help.\n");
        }
    }

    private static void file(StringBuilder sb, String name, String what) {
        sb.append(".TP\n\\fI").append(text(name)).append("\\fR\n").append(text(what)).append('\n');
    }

    private static void env(StringBuilder sb, String name, String what) {
        sb.append(".TP\n\\fB").append(text(name)).append("\\fR\n").append(text(what)).append('\n');
    }

    /** @return text safe in roff: backslashes and minus signs escaped, no line starting with a control character */
    static String text(String s) {
        // picocli's texts are format strings: %n is a line break, %% a percent sign
        String out = s.replace("%n", "\n").replace("%%", "%").replace("\\", "\\e").replace("-", "\\-");
        StringBuilder sb = new StringBuilder();
        for (String line : out.split("\n", -1)) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(line.startsWith(".") || line.startsWith("'") ? "\\&" + line : line);
        }
        return sb.toString();
    }
}
