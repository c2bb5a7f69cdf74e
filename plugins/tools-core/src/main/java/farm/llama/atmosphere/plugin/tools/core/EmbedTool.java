package farm.llama.atmosphere.plugin.tools.core;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Embeddings from the embedding capability the router picks, on this node or another member. */
final class EmbedTool implements Tool {

    private static final ToolSpec SPEC = new ToolSpec("embed",
            "Turns texts into embedding vectors with the best embedding model this node or the mesh offers.",
            "ai", """
            {"type":"object","properties":{
              "input":{"type":["string","array"],"items":{"type":"string"},"minItems":1,"maxItems":2048,"description":"a text or a list of texts"},
              "model":{"type":"string","minLength":1,"description":"an embedding model name; default auto"}},
             "required":["input"],"additionalProperties":false}
            """, List.of("llm:embed"), Duration.ofSeconds(120), false);

    private final NodeContext context;

    EmbedTool(NodeContext context) {
        this.context = context;
    }

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public ToolResult invoke(ToolCall call) {
        JsonNode a = Tools.args(call.argumentsJson());
        List<String> input = new ArrayList<>();
        if (a.path("input").isTextual()) {
            input.add(a.get("input").asText());
        } else {
            a.path("input").forEach(t -> input.add(t.asText()));
        }
        Embeddings e = context.routing().embed(new EmbedRequest(a.path("model").asText("auto"), input));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", e.model());
        out.put("dimensions", e.vectors().isEmpty() ? 0 : e.vectors().get(0).length);
        out.put("vectors", e.vectors());
        out.put("promptTokens", e.promptTokens());
        return new ToolResult(Tools.write(out));
    }
}
