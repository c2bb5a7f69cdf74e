package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.api.BackendReport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere backends}: the AI backends found, with their health. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List the AI backends found (Ollama, LM Studio, llama.cpp, vLLM, ...) with their health.")
final class BackendsCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        List<BackendReport> backends = root.session.api().backends();
        if (json.on()) {
            Output.json(root.session.out, Map.of("backends", backends));
        } else {
            print(root.session.out, backends);
        }
        return 0;
    }

    static void print(PrintWriter out, List<BackendReport> backends) {
        if (backends.isEmpty()) {
            out.println("No backends found. Start Ollama (11434), LM Studio (1234), llama.cpp (8080) or vLLM (8000),"
                    + " or list one under 'backends' in config.yaml.");
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (BackendReport b : backends) {
            rows.add(List.of(b.id(), b.type(), b.state(), b.latencyMs() < 0 ? "-" : Math.round(b.latencyMs()) + " ms",
                    String.valueOf(b.capabilities()), b.inFlight() + "/" + b.concurrency(), b.url()));
        }
        Output.table(out, List.of("BACKEND", "TYPE", "STATE", "LATENCY", "MODELS", "LOAD", "URL"), rows);
        for (BackendReport b : backends) {
            if (b.state().equals("down")) {
                b.lastError().ifPresent(e -> out.println("  " + b.id() + ": " + e));
            }
        }
    }
}
