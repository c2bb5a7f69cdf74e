package farm.llama.atmosphere.spi.discovery;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Something a node can do: a chat or embedding model, a vision model, a tool, an agent type.
 * Descriptions are embedded by each node with its own embedder; vectors never cross the wire.
 *
 * @param id unique on its node, for example {@code ollama@127.0.0.1:11434/llama3.2}
 * @param nodeId the node that owns it
 * @param type slash-separated kind: {@code llm/chat}, {@code llm/embed}, {@code llm/code},
 *             {@code vision/chat}, {@code tool/<name>}, {@code agent/<type>}
 * @param name short human name (usually the model name)
 * @param description what it is good at, in words a router can match intents against
 * @param models the backend model names it runs
 * @param tags free-form labels ({@code warm}, {@code gpu}, {@code 8b})
 * @param endpoint where the owning node reaches it (for example the backend's base URL)
 * @param metadata other facts (size, quantization, context length); never secrets
 */
public record Capability(String id, String nodeId, String type, String name, String description,
                         List<String> models, List<String> tags, String endpoint,
                         Map<String, String> metadata) {

    /**
     * Metadata key, present when the capability's backend can continue a trailing assistant message
     * (a request with {@link farm.llama.atmosphere.spi.ChatRequest#CONTINUE_FINAL_MESSAGE}); its value
     * says how that is known: {@code documented} (the server's documented parameter, e.g. vLLM and
     * llama.cpp's server), {@code template} (checked against the model's chat template when asked:
     * the client refuses at once when it cannot) or {@code configured} (the owner said so).
     */
    public static final String CONTINUES = "continues";

    private static final Pattern TYPE = Pattern.compile("[a-z0-9-]+(/[a-z0-9_.*-]+)+");

    /** Validates and copies. */
    public Capability {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(endpoint, "endpoint");
        models = List.copyOf(models);
        tags = List.copyOf(tags);
        metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
        if (!TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException("capability type must look like 'llm/chat', got: " + type);
        }
    }

    /** @return the first segment of the type: {@code llm}, {@code vision}, {@code tool}, {@code agent} */
    public String family() {
        return type.substring(0, type.indexOf('/'));
    }
}
