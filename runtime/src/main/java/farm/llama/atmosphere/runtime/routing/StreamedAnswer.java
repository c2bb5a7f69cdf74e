package farm.llama.atmosphere.runtime.routing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import farm.llama.atmosphere.runtime.util.Json;
import java.io.IOException;

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
    private int prompt = -1;
    private int completion = -1;

    /**
     * Reads a chunk as the client gets it, token by token (no tree: this runs for every chunk of
     * every stream).
     *
     * @param chunk a {@code chat.completion.chunk}'s JSON
     */
    void see(String chunk) {
        prompt = -1;
        completion = -1;
        try (JsonParser p = Json.MAPPER.getFactory().createParser(chunk)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            boolean first = id == null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (first && field.equals("id") && value == JsonToken.VALUE_STRING) {
                    id = p.getText();
                } else if (first && field.equals("model") && value == JsonToken.VALUE_STRING) {
                    model = p.getText();
                } else if (first && field.equals("created") && value.isNumeric()) {
                    created = p.getLongValue();
                } else if (field.equals("choices") && value == JsonToken.START_ARRAY) {
                    choices(p);
                } else if (field.equals("usage") && value == JsonToken.START_OBJECT) {
                    usage(p);
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // not JSON: nothing to learn from it
        }
    }

    /** The first choice counts (a request that may be continued has one: n > 1 is never continued). */
    private void choices(JsonParser p) throws IOException {
        boolean first = true;
        while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (first && field.equals("delta") && value == JsonToken.START_OBJECT) {
                    delta(p);
                } else if (first && field.equals("finish_reason")) {
                    finished |= value != JsonToken.VALUE_NULL;
                } else {
                    p.skipChildren();
                }
            }
            first = false;
        }
    }

    private void delta(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("content") && value == JsonToken.VALUE_STRING) {
                String content = p.getText();
                if (!content.isEmpty()) {
                    text.append(content);
                    tokens++;
                    reasoning = false;
                }
            } else if ((field.equals("reasoning_content") || field.equals("reasoning")) && value == JsonToken.VALUE_STRING) {
                if (!p.getText().isEmpty()) {
                    reasoning = true;
                    tokens++;
                }
            } else if (field.equals("tool_calls") && value == JsonToken.START_ARRAY) {
                toolCalls |= p.nextToken() != JsonToken.END_ARRAY;
                if (p.currentToken() != JsonToken.END_ARRAY) {
                    p.skipChildren();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
    }

    private void usage(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("prompt_tokens") && value == JsonToken.VALUE_NUMBER_INT) {
                prompt = p.getIntValue();
            } else if (field.equals("completion_tokens") && value == JsonToken.VALUE_NUMBER_INT) {
                completion = p.getIntValue();
            } else {
                p.skipChildren();
            }
        }
    }

    /** @return the prompt tokens in the usage of the last chunk seen, -1 when it had none */
    int usagePrompt() {
        return prompt;
    }

    /** @return the completion tokens in the usage of the last chunk seen, -1 when it had none */
    int usageCompletion() {
        return completion;
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
