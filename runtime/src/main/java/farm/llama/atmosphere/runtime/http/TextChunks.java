package farm.llama.atmosphere.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.util.Json;

/** Streamed chat chunks read for their text, or turned into the legacy {@code text_completion} chunks. */
final class TextChunks {

    private TextChunks() {
    }

    /** @return the text a streamed chunk adds to the answer */
    static String deltaText(String chatChunk) {
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : Json.parse(chatChunk).path("choices")) {
            text.append(choice.path("delta").path("content").asText(""));
        }
        return text.toString();
    }

    /**
     * @param chatChunk a {@code chat.completion.chunk}
     * @return it as a {@code text_completion} chunk
     */
    static String of(String chatChunk) {
        JsonNode c = Json.parse(chatChunk);
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("id", c.path("id").asText().replace("chatcmpl", "cmpl"));
        t.put("object", "text_completion");
        t.put("created", c.path("created").asLong());
        t.put("model", c.path("model").asText());
        ArrayNode choices = t.putArray("choices");
        for (JsonNode ch : c.path("choices")) {
            ObjectNode o = choices.addObject();
            o.put("text", ch.path("delta").path("content").asText(""));
            o.put("index", ch.path("index").asInt());
            o.putNull("logprobs");
            o.set("finish_reason", ch.path("finish_reason").isMissingNode() ? null : ch.get("finish_reason"));
        }
        if (c.has("usage") && !c.get("usage").isNull()) {
            t.set("usage", c.get("usage"));
        }
        return t.toString();
    }

}
