package farm.llama.atmosphere.plugin.discovery.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.plugin.discovery.common.Http;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.FailureKind;
import java.io.IOException;

/** OpenAI-format chat requests in Ollama's words ({@code /api/chat}). */
final class OllamaChatBody {

    private OllamaChatBody() {
    }

    /**
     * @param request an OpenAI-format chat request
     * @return its JSON
     */
    static JsonNode parse(ChatRequest request) {
        try {
            return Http.JSON.readTree(request.json());
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "the chat request is not JSON");
        }
    }

    /**
     * @param model a model
     * @return the body of {@code /api/show} for it
     */
    static ObjectNode show(String model) {
        return Http.JSON.createObjectNode().put("model", model);
    }

    /**
     * OpenAI chat request → Ollama {@code /api/chat} body. A trailing assistant message is passed as
     * it is: Ollama continues it when the model's template leaves the last message open.
     *
     * @param in the OpenAI-format request
     * @param model the model to run
     * @return the body
     */
    static ObjectNode of(JsonNode in, String model) {
        ObjectNode out = Http.JSON.createObjectNode();
        out.put("model", model);
        out.put("stream", true);
        ArrayNode messages = out.putArray("messages");
        for (JsonNode m : in.path("messages")) {
            ObjectNode msg = messages.addObject();
            msg.put("role", m.path("role").asText("user"));
            JsonNode content = m.path("content");
            if (content.isArray()) {
                StringBuilder text = new StringBuilder();
                ArrayNode images = null;
                for (JsonNode part : content) {
                    String type = part.path("type").asText();
                    if (type.equals("text")) {
                        text.append(part.path("text").asText());
                    } else if (type.equals("image_url")) {
                        String url = part.path("image_url").isTextual() ? part.path("image_url").asText()
                                : part.path("image_url").path("url").asText();
                        int comma = url.indexOf(',');
                        if (!url.startsWith("data:") || comma < 0) {
                            throw new CallFailedException(FailureKind.INVALID_REQUEST,
                                    "Ollama takes images inline: send image_url as a data: URL (base64), not " + abbreviate(url));
                        }
                        if (images == null) {
                            images = msg.putArray("images");
                        }
                        images.add(url.substring(comma + 1));
                    }
                }
                msg.put("content", text.toString());
            } else {
                msg.put("content", content.isNull() || content.isMissingNode() ? "" : content.asText());
            }
            if (m.has("tool_calls")) {
                ArrayNode calls = msg.putArray("tool_calls");
                for (JsonNode call : m.path("tool_calls")) {
                    ObjectNode fn = calls.addObject().putObject("function");
                    fn.put("name", call.path("function").path("name").asText());
                    JsonNode args = call.path("function").path("arguments");
                    try {
                        fn.set("arguments", args.isTextual() ? Http.JSON.readTree(args.asText()) : args);
                    } catch (IOException e) {
                        fn.put("arguments", args.asText());
                    }
                }
            }
            if (m.has("name")) {
                msg.put("tool_name", m.get("name").asText());
            }
        }
        if (in.has("tools")) {
            out.set("tools", in.get("tools"));
        }
        ObjectNode options = Http.JSON.createObjectNode();
        copy(in, "temperature", options, "temperature");
        copy(in, "top_p", options, "top_p");
        copy(in, "seed", options, "seed");
        copy(in, "max_tokens", options, "num_predict");
        copy(in, "max_completion_tokens", options, "num_predict");
        copy(in, "presence_penalty", options, "presence_penalty");
        copy(in, "frequency_penalty", options, "frequency_penalty");
        if (in.has("stop")) {
            JsonNode stop = in.get("stop");
            if (stop.isTextual()) {
                options.putArray("stop").add(stop.asText());
            } else {
                options.set("stop", stop);
            }
        }
        if (!options.isEmpty()) {
            out.set("options", options);
        }
        JsonNode format = in.path("response_format");
        if (format.path("type").asText().equals("json_object")) {
            out.put("format", "json");
        } else if (format.path("type").asText().equals("json_schema")) {
            out.set("format", format.path("json_schema").path("schema"));
        }
        return out;
    }

    private static void copy(JsonNode in, String from, ObjectNode out, String to) {
        if (in.has(from) && !in.get(from).isNull()) {
            out.set(to, in.get(from));
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

}
