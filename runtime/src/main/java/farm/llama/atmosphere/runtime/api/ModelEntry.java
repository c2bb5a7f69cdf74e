package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A model once, with the nodes that serve it ({@code GET /api/v1/models}, {@code model list --json}).
 *
 * @param model its name ({@code :latest} left off)
 * @param types what it does ({@code llm/chat}, {@code llm/embed})
 * @param nodes where it is served
 */
public record ModelEntry(String model, List<String> types, List<Served> nodes) {

    /**
     * One node and backend that serve it.
     *
     * @param nodeId the node
     * @param name the model's name there (here), or the member's name (on another member)
     * @param backend the backend that serves it
     * @param loaded whether it is loaded now
     * @param sizeBytes its size in bytes, null when the backend does not say
     */
    public record Served(String nodeId, String name, String backend, boolean loaded, @JsonInclude(JsonInclude.Include.ALWAYS) Long sizeBytes) {
    }

    /** Copies. */
    public ModelEntry {
        types = List.copyOf(types);
        nodes = List.copyOf(nodes);
    }
}
