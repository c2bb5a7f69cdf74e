package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.api.DeployStatus;
import farm.llama.atmosphere.runtime.api.ModelEntry;
import farm.llama.atmosphere.runtime.api.PullStatus;
import farm.llama.atmosphere.runtime.api.TaskState;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere model list|deploy|pull}: the models of this node and its mesh, fetched and copied across it. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "The models this node, or its whole mesh, can serve.")
final class ModelCommand {

    @ParentCommand
    RootCommand root;

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Each model once: its types, the nodes that serve it, whether it is loaded there, and its size.")
    int list(@Option(names = "--mesh", description = "Include the models of every member of the mesh.") boolean mesh,
             @Mixin JsonOption json) {
        List<ModelEntry> models = root.session.api().models(mesh);
        if (json.on()) {
            Output.json(root.session.out, Map.of("models", models));
            return 0;
        }
        if (models.isEmpty()) {
            root.session.out.println(mesh ? "No model anywhere in the mesh." : "No model on this node ('--mesh' includes the other members').");
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (ModelEntry m : models) {
            for (ModelEntry.Served n : m.nodes()) {
                rows.add(List.of(m.model(), String.join(",", m.types()), n.nodeId() + (n.name().isEmpty() ? "" : " (" + n.name() + ")"),
                        n.loaded() ? "loaded" : "-", n.sizeBytes() == null ? "-" : humanBytes(n.sizeBytes())));
            }
        }
        Output.table(root.session.out, List.of("MODEL", "TYPE", "NODE", "STATE", "SIZE"), rows);
        return 0;
    }

    @Command(name = "deploy", mixinStandardHelpOptions = true,
            description = {"Have nodes of the mesh fetch a model: their backends pull it (Ollama's /api/pull), with progress.",
                    "A member checks its tools.grants for models:deploy before pulling for another node."})
    int deploy(@picocli.CommandLine.Parameters(paramLabel = "MODEL", description = "The model, e.g. llama3.2.") String model,
               @Option(names = "--to", paramLabel = "NODE_ID", description = "A node to deploy to (repeatable; this node's id pulls here).") List<String> to,
               @Option(names = "--all", description = "Every live member and this node.") boolean all,
               @Option(names = "--json", description = "Print one JSON document at the end.") boolean json) throws InterruptedException {
        var api = root.session.api();
        DeployStatus s = api.modelDeploy(model, to == null ? List.of() : to, all);
        Map<String, String> shown = new HashMap<>();
        while (true) {
            TaskState state = s.state();
            if (!json) {
                s.nodes().orElse(Map.of()).forEach((node, st) -> {
                    String line = progress(st);
                    if (!line.equals(shown.put(node, line))) {
                        root.session.out.println(node + ": " + line);
                        root.session.out.flush();
                    }
                });
            }
            if (state != TaskState.RUNNING) {
                if (json) {
                    Output.json(root.session.out, s);
                }
                if (state == TaskState.FAILED) {
                    throw new AtmosphereException("The deploy of " + model + " failed on some nodes (above).");
                }
                return 0;
            }
            Thread.sleep(200);
            s = api.modelDeployStatus();
        }
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = {"Copy a model file that another member shares (a file under its models.shared-dirs, or a model its",
                    "Ollama keeps on that machine) into this node's models.dir, over the mesh, in chunks each checked by",
                    "SHA-256. An interrupted copy resumes where it stopped; a damaged chunk is fetched again. The file is",
                    "then registered with a local backend that imports files (Ollama)."})
    int pull(@picocli.CommandLine.Parameters(paramLabel = "NAME", arity = "0..1",
                     description = "The file as the member shares it, e.g. tinyllama.gguf.") String name,
             @Option(names = "--from", paramLabel = "NODE_ID", description = "The member to copy from.") String from,
             @Option(names = "--as", paramLabel = "MODEL", description = "Register it under this name with a local backend that imports files (Ollama); default: the file name without .gguf.") String as,
             @Option(names = "--status", description = "Show the last pull instead of starting one.") boolean status,
             @Option(names = "--json", description = "Print one JSON document at the end.") boolean json) throws InterruptedException {
        var api = root.session.api();
        PullStatus s;
        if (status) {
            s = api.modelPullStatus();
        } else {
            if (name == null || from == null) {
                throw new AtmosphereException("Say what and from where: 'atmosphere model pull NAME --from NODE_ID'.");
            }
            s = api.modelPull(name, from, Optional.ofNullable(as));
        }
        boolean tty = System.console() != null && System.console().isTerminal();
        int shownTenth = -1;
        while (true) {
            TaskState state = s.state();
            long bytes = s.bytes().orElse(0L);
            long total = s.total().orElse(0L);
            int percent = s.percent().orElse(0);
            if (!json && total > 0) {
                String line = bar(percent) + " " + percent + "% " + humanBytes(bytes) + " of " + humanBytes(total);
                if (tty) {
                    root.session.out.print("\r" + line);
                    root.session.out.flush();
                } else if (percent / 10 != shownTenth) {
                    shownTenth = percent / 10;
                    root.session.out.println(line);
                    root.session.out.flush();
                }
            }
            if (status || state != TaskState.RUNNING) {
                if (tty && !json && total > 0) {
                    root.session.out.println();
                }
                if (json) {
                    Output.json(root.session.out, s);
                } else if (state == TaskState.DONE) {
                    long present = s.present().orElse(0L);
                    int damaged = s.badChunks().orElse(0);
                    root.session.out.println("Pulled " + s.name().orElse("") + " into " + s.path().orElse("")
                            + (present > 0 ? " (resumed: " + humanBytes(present) + " were already here)" : "")
                            + (damaged > 0 ? "; " + damaged + " damaged chunk(s) fetched again" : "") + "; "
                            + s.registered().orElse("") + ".");
                } else if (state == TaskState.IDLE) {
                    root.session.out.println("No pull has run since the node started.");
                } else if (state == TaskState.RUNNING) {
                    root.session.out.println("Pulling " + s.name().orElse("") + " from " + s.from().orElse("") + ".");
                }
                if (state == TaskState.FAILED) {
                    throw new AtmosphereException("The pull of " + s.name().orElse("") + " failed: "
                            + s.error().orElse("") + " Pulling again resumes it.");
                }
                return 0;
            }
            Thread.sleep(200);
            s = api.modelPullStatus();
        }
    }

    private static String bar(int percent) {
        int filled = Math.max(0, Math.min(30, percent * 30 / 100));
        return "[" + "#".repeat(filled) + ".".repeat(30 - filled) + "]";
    }

    private static String progress(DeployStatus.NodeProgress st) {
        if (st.state() == DeployStatus.NodeState.FAILED) {
            return "failed: " + st.error().orElse("");
        }
        if (st.state() == DeployStatus.NodeState.DONE) {
            return "done";
        }
        long total = st.total().orElse(0L);
        if (total > 0 && st.completed().isPresent()) {
            return st.status() + " " + Math.round(100.0 * st.completed().get() / total) + "% of " + humanBytes(total);
        }
        return st.status().isEmpty() ? st.state().wire() : st.status();
    }

    static String humanBytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
