package farm.llama.atmosphere.plugin.tools.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A chat completion routed by meaning (or to a named model) over every capability the node reaches. */
final class LlmTool implements Tool {

    private static final Duration LIMIT = Duration.ofSeconds(180);

    private static final ToolSpec SPEC = new ToolSpec("llm",
            "Asks a language model: the prompt is routed to the chat capability that fits it best, on this node or another member.",
            "ai", """
            {"type":"object","properties":{
              "prompt":{"type":"string","minLength":1,"maxLength":200000,"description":"what to ask"},
              "system":{"type":"string","maxLength":200000,"description":"instructions for the model"},
              "model":{"type":"string","minLength":1,"description":"a model name; default auto (routed by meaning)"},
              "max_tokens":{"type":"integer","minimum":1,"maximum":131072},
              "temperature":{"type":"number","minimum":0,"maximum":2}},
             "required":["prompt"],"additionalProperties":false}
            """, List.of("llm:chat"), LIMIT, false);

    private final NodeContext context;

    LlmTool(NodeContext context) {
        this.context = context;
    }

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public ToolResult invoke(ToolCall call) {
        JsonNode a = Tools.args(call.argumentsJson());
        ObjectNode body = Tools.JSON.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        if (a.hasNonNull("system")) {
            messages.addObject().put("role", "system").put("content", a.get("system").asText());
        }
        messages.addObject().put("role", "user").put("content", a.path("prompt").asText());
        if (a.has("max_tokens")) {
            body.put("max_tokens", a.get("max_tokens").asInt());
        }
        if (a.has("temperature")) {
            body.put("temperature", a.get("temperature").asDouble());
        }
        String model = a.path("model").asText("auto");
        Tools.Answer answer = Tools.collect(context.routing().chat(new ChatRequest(model, Tools.write(body))), LIMIT);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("text", answer.text());
        out.put("model", answer.model());
        out.put("finishReason", answer.finishReason());
        return new ToolResult(Tools.write(out));
    }
}
