package farm.llama.atmosphere.runtime.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.spi.ChatRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The request that continues an answer whose backend died mid-stream: the client's conversation
 * with the text already streamed as a trailing assistant message to be continued ({@link
 * ChatRequest#CONTINUE_FINAL_MESSAGE}), and {@code max_tokens} less what was streamed. Each backend
 * client says "continue" in its backend's words.
 */
final class Continuation {

    private Continuation() {
    }

    /**
     * @param request the client's request
     * @return why it is never continued on another backend, or null when it may be
     */
    static String whyNever(JsonNode request) {
        if (request.path("n").asInt(1) > 1) {
            return "it asked for several choices (n > 1)";
        }
        String format = request.path("response_format").path("type").asText("");
        if (format.equals("json_schema") || format.equals("json_object")) {
            return "its output is held to a format (response_format) that a second backend would start afresh";
        }
        JsonNode messages = request.path("messages");
        JsonNode last = messages.path(messages.size() - 1);
        if (asksToContinue(request) && !last.path("content").isTextual()) {
            return "its assistant message to continue is not plain text";
        }
        return null;
    }

    /**
     * @param request a chat request
     * @return whether it asks for its last (assistant) message to be continued
     */
    static boolean asksToContinue(JsonNode request) {
        return request.path(ChatRequest.CONTINUE_FINAL_MESSAGE).asBoolean(false);
    }

    /**
     * @param request the client's request (itself perhaps a continuation: then its last message grows)
     * @param text the answer's text so far
     * @param tokens the answer's tokens so far
     * @return the continuing request's JSON, or empty when its token limit is spent
     */
    static Optional<String> body(JsonNode request, String text, int tokens) {
        ObjectNode out = request.deepCopy();
        for (String limit : List.of("max_tokens", "max_completion_tokens")) {
            if (out.path(limit).canConvertToInt()) {
                int left = out.get(limit).asInt() - tokens;
                if (left <= 0) {
                    return Optional.empty();
                }
                out.put(limit, left);
            }
        }
        ArrayNode messages = (ArrayNode) out.path("messages");
        if (asksToContinue(request)) {
            ObjectNode last = (ObjectNode) messages.get(messages.size() - 1);
            last.put("content", last.path("content").asText() + text);
        } else {
            messages.addObject().put("role", "assistant").put("content", text);
        }
        out.put(ChatRequest.CONTINUE_FINAL_MESSAGE, true);
        out.put("add_generation_prompt", false);
        out.remove("stream_options");
        return Optional.of(out.toString());
    }

    /**
     * @param request a chat request
     * @return its stop sequences
     */
    static List<String> stops(JsonNode request) {
        JsonNode stop = request.path("stop");
        List<String> out = new ArrayList<>();
        if (stop.isTextual() && !stop.asText().isEmpty()) {
            out.add(stop.asText());
        }
        for (JsonNode s : stop.isArray() ? stop : List.<JsonNode>of()) {
            if (s.isTextual() && !s.asText().isEmpty()) {
                out.add(s.asText());
            }
        }
        return out;
    }
}
