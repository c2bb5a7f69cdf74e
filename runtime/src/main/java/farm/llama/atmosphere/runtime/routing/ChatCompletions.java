package farm.llama.atmosphere.runtime.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.ChatChunk;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Streams of chunks made whole again. */
public final class ChatCompletions {

    private ChatCompletions() {
    }

    /**
     * Collects a stream into one {@code chat.completion} (or {@code text_completion}), joining
     * content deltas and the fragments of each tool call.
     *
     * @param call the running call; read to its end
     * @param legacy produce a {@code text_completion}
     * @return the completion, as OpenAI's non-streaming answer
     */
    public static ObjectNode aggregate(ChatCall call, boolean legacy) {
        String id = null;
        String model = null;
        long created = Instant.now().getEpochSecond();
        StringBuilder content = new StringBuilder();
        List<ObjectNode> toolCalls = new ArrayList<>();
        String finish = null;
        JsonNode usage = null;
        JsonNode atmosphere = null;
        Optional<ChatChunk> c;
        while ((c = call.next()).isPresent()) {
            JsonNode chunk = Json.parse(c.get().json());
            if (id == null && chunk.hasNonNull("id")) {
                id = chunk.get("id").asText();
                model = chunk.path("model").asText();
                created = chunk.path("created").asLong(created);
            }
            if (chunk.hasNonNull("usage")) {
                usage = chunk.get("usage");
            }
            if (chunk.path("atmosphere").isObject()) {
                atmosphere = chunk.get("atmosphere"); // e.g. which backends carried the answer on
            }
            for (JsonNode ch : chunk.path("choices")) {
                JsonNode delta = ch.path("delta");
                if (delta.path("content").isTextual()) {
                    content.append(delta.get("content").asText());
                }
                for (JsonNode tc : delta.path("tool_calls")) {
                    int index = tc.path("index").asInt(toolCalls.size());
                    while (toolCalls.size() <= index) {
                        ObjectNode fresh = Json.MAPPER.createObjectNode();
                        fresh.put("type", "function");
                        fresh.putObject("function").put("name", "").put("arguments", "");
                        toolCalls.add(fresh);
                    }
                    ObjectNode target = toolCalls.get(index);
                    if (tc.hasNonNull("id")) {
                        target.put("id", tc.get("id").asText());
                    }
                    ObjectNode fn = (ObjectNode) target.get("function");
                    JsonNode f = tc.path("function");
                    if (f.hasNonNull("name")) {
                        fn.put("name", fn.get("name").asText() + f.get("name").asText());
                    }
                    if (f.hasNonNull("arguments")) {
                        fn.put("arguments", fn.get("arguments").asText() + f.get("arguments").asText());
                    }
                }
                if (ch.hasNonNull("finish_reason")) {
                    finish = ch.get("finish_reason").asText();
                }
            }
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", id != null ? (legacy ? id.replace("chatcmpl", "cmpl") : id)
                : (legacy ? "cmpl-" : "chatcmpl-") + UUID.randomUUID().toString().replace("-", ""));
        out.put("object", legacy ? "text_completion" : "chat.completion");
        out.put("created", created);
        out.put("model", model != null ? model : call.served().capability().name());
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        if (legacy) {
            choice.put("text", content.toString());
            choice.putNull("logprobs");
        } else {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            if (content.isEmpty() && !toolCalls.isEmpty()) {
                message.putNull("content");
            } else {
                message.put("content", content.toString());
            }
            if (!toolCalls.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                toolCalls.forEach(calls::add);
            }
        }
        choice.put("finish_reason", finish != null ? finish : "stop");
        if (usage != null) {
            out.set("usage", usage);
        } else {
            ObjectNode u = out.putObject("usage");
            u.put("prompt_tokens", 0);
            u.put("completion_tokens", 0);
            u.put("total_tokens", 0);
        }
        if (atmosphere != null) {
            out.set("atmosphere", atmosphere);
        }
        return out;
    }

}
