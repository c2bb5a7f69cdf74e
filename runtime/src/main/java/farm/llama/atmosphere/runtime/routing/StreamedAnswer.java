package farm.llama.atmosphere.runtime.routing;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a chat has streamed to its client so far: the text, how many chunks carried it, and
 * whether another backend could take over from here. Used by the call's own thread only.
 */
final class StreamedAnswer {

    private final StringBuilder text = new StringBuilder();
    private int tokens;
    private boolean toolCalls;
    private boolean reasoning;
    private boolean finished;
    private String id;
    private String model;
    private long created = -1;

    /** @param chunk a {@code chat.completion.chunk} as the client gets it */
    void see(JsonNode chunk) {
        if (id == null && chunk.path("id").isTextual()) {
            id = chunk.get("id").asText();
            model = chunk.path("model").asText("");
            created = chunk.path("created").asLong(-1);
        }
        JsonNode choice = chunk.path("choices").path(0); // a continued request has one choice (n > 1 is never continued)
        JsonNode delta = choice.path("delta");
        String content = delta.path("content").asText("");
        if (!content.isEmpty()) {
            text.append(content);
            tokens++;
            reasoning = false;
        }
        String thought = delta.path("reasoning_content").asText(delta.path("reasoning").asText(""));
        if (!thought.isEmpty()) {
            reasoning = true;
            if (content.isEmpty()) {
                tokens++;
            }
        }
        toolCalls |= delta.path("tool_calls").isArray() && !delta.get("tool_calls").isEmpty();
        finished |= choice.hasNonNull("finish_reason");
    }

    /** @return the text streamed so far */
    String text() {
        return text.toString();
    }

    /**
     * @return the tokens streamed so far, one per chunk that carried text: vLLM, llama.cpp's server and
     *         Ollama stream one token per chunk (a backend that packs several makes this count low)
     */
    int tokens() {
        return tokens;
    }

    /** @return whether a finish reason arrived: the answer is whole */
    boolean finished() {
        return finished;
    }

    /** @return the first chunk's id, or null before it */
    String id() {
        return id;
    }

    /** @return the first chunk's model */
    String model() {
        return model;
    }

    /** @return the first chunk's {@code created}, or -1 */
    long created() {
        return created;
    }

    /** @return why no other backend may take over from here, or null when one may */
    String whyNot() {
        if (toolCalls) {
            return "a tool call had begun";
        }
        int open = text.lastIndexOf("<think>");
        if (reasoning || open >= 0 && text.indexOf("</think>", open) < 0) {
            return "it stopped inside reasoning output";
        }
        return null;
    }
}
