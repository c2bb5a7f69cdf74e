package farm.llama.atmosphere.shell;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.NodeClient;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Shows the serving node's notifications ({@code tool.notify} events: what the notify tool and the
 * notifier agents send) in the interactive shell as they happen, above the prompt.
 */
final class Notifications {

    private Notifications() {
    }

    /**
     * Follows the node's events until interrupted; reconnects when a node starts serving again.
     *
     * @param shell the shell's session
     * @param show prints a line above the prompt
     */
    static void follow(Session shell, Consumer<String> show) {
        Instant since = Instant.now();
        long[] last = {0};
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Optional<NodeClient> node = shell.remote();
                if (node.isPresent()) {
                    node.get().events(last[0], e -> {
                        last[0] = Math.max(last[0], e.path("id").asLong());
                        if (e.path("type").asText().equals("tool.notify") && !Instant.parse(e.path("time").asText()).isBefore(since)) {
                            show.accept(format(e));
                        }
                        return !Thread.currentThread().isInterrupted();
                    });
                }
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                try {
                    Thread.sleep(2000); // the node is not there (yet): look again
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    static String format(JsonNode e) {
        String level = e.path("level").asText("info");
        String title = e.path("title").asText("");
        String from = e.path("from").asText("local");
        return "[" + level + "] " + (title.isEmpty() ? "" : title + ": ") + e.path("message").asText()
                + (from.equals("local") ? "" : " (from " + from + ")");
    }
}
