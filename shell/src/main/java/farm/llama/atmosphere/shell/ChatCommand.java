package farm.llama.atmosphere.shell;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere chat}: a streaming chat through the router. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chat through the router, streaming the answer as it is generated.",
                "With a MESSAGE, asks once; without, reads one message per line until an empty line or end of input."})
final class ChatCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Parameters(paramLabel = "MESSAGE", arity = "0..*", description = "What to ask.")
    List<String> message;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "A model name (default: auto, routed by meaning).")
    String model = "auto";

    @Option(names = {"-s", "--system"}, paramLabel = "TEXT", description = "A system prompt.")
    String system;

    @Override
    public Integer call() throws IOException {
        ObjectNode request = Output.JSON.createObjectNode();
        request.put("model", model);
        ArrayNode messages = request.putArray("messages");
        if (system != null) {
            messages.addObject().put("role", "system").put("content", system);
        }
        if (message != null && !message.isEmpty()) {
            ask(request, messages, String.join(" ", message));
            return 0;
        }
        if (root.session.lineReader != null) {
            // inside the interactive shell: the terminal is JLine's, so read through it
            String line;
            while ((line = root.session.lineReader.apply("you> ")) != null && !line.isBlank()) {
                ask(request, messages, line);
            }
            return 0;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        root.session.out.print("you> ");
        root.session.out.flush();
        while ((line = in.readLine()) != null && !line.isBlank()) {
            ask(request, messages, line);
            root.session.out.print("you> ");
            root.session.out.flush();
        }
        return 0;
    }

    private void ask(ObjectNode request, ArrayNode messages, String text) {
        messages.addObject().put("role", "user").put("content", text);
        StringBuilder answer = new StringBuilder();
        var out = root.session.out;
        String route = root.session.api().chat(request.toString(), piece -> {
            answer.append(piece);
            out.print(piece);
            out.flush();
        });
        out.println();
        out.println("  [" + route + "]");
        messages.addObject().put("role", "assistant").put("content", answer.toString());
    }
}
