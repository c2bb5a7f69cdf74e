package farm.llama.atmosphere.runtime.routing;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/** Reads what routing needs from an OpenAI chat request. */
public final class ChatRequests {

    private ChatRequests() {
    }

    /**
     * @param json the request body
     * @return the explicit {@code intent} field, else the text of the last user message
     */
    public static String intent(String json) {
        return intent(Json.parse(json));
    }

    /**
     * @param body the request body, parsed
     * @return the explicit {@code intent} field, else the text of the last user message
     */
    public static String intent(JsonNode body) {
        if (body.path("intent").isTextual()) {
            return body.get("intent").asText();
        }
        JsonNode messages = body.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if (m.path("role").asText().equals("user")) {
                return text(m.path("content"));
            }
        }
        return messages.isEmpty() ? "" : text(messages.get(messages.size() - 1).path("content"));
    }

    static String text(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            if (part.path("type").asText().equals("text")) {
                sb.append(part.path("text").asText()).append(' ');
            }
        }
        return sb.toString().trim();
    }

    /**
     * @param json the request body
     * @return the capability types that can serve it: vision models when a message has an image
     */
    public static Set<String> needs(String json) {
        return needs(Json.parse(json));
    }

    /**
     * @param body the request body, parsed
     * @return the capability types that can serve it
     */
    public static Set<String> needs(JsonNode body) {
        boolean tools = body.path("tools").isArray() && !body.path("tools").isEmpty();
        for (JsonNode m : body.path("messages")) {
            for (JsonNode part : m.path("content")) {
                if (part.path("type").asText().equals("image_url")) {
                    return tools ? Set.of("vision/chat", TOOLS) : Set.of("vision/chat");
                }
            }
        }
        if (tools) {
            Set<String> s = new HashSet<>(RouterService.CHAT_TYPES);
            s.add(TOOLS);
            return Set.copyOf(s);
        }
        return RouterService.CHAT_TYPES;
    }

    /**
     * @param model the model asked for ({@code auto}: by meaning)
     * @param json the request body
     * @return what the router decides on: the intent and needs for {@code auto}, else the model and needs
     */
    public static RouteQuery query(String model, String json) {
        return query(model, Json.parse(json));
    }

    /**
     * @param model the model asked for ({@code auto}: by meaning)
     * @param body the request body, parsed
     * @return what the router decides on
     */
    public static RouteQuery query(String model, JsonNode body) {
        return model.equals("auto")
                ? new RouteQuery(intent(body), needs(body), Optional.empty())
                : new RouteQuery("", needs(body), Optional.of(model));
    }

    /**
     * A need that is not a capability type: the request carries {@code tools}, so models tagged
     * {@code tools} are preferred (if none is, any chat model is tried).
     */
    public static final String TOOLS = "+tools";
}
