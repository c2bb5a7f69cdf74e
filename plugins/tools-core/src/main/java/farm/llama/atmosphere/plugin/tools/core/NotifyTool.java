package farm.llama.atmosphere.plugin.tools.core;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Tells the owner something: a {@code tool.notify} event on the node's stream, shown by the shell and the dashboard. */
final class NotifyTool implements Tool {

    private static final ToolSpec SPEC = new ToolSpec("notify",
            "Notifies this node's owner: the message appears on the live event stream, in the interactive shell and on the dashboard.",
            "core", """
            {"type":"object","properties":{
              "message":{"type":"string","minLength":1,"maxLength":4000},
              "title":{"type":"string","maxLength":200},
              "level":{"type":"string","enum":["info","warning","critical"]}},
             "required":["message"],"additionalProperties":false}
            """, List.of("notify:send"), Duration.ofSeconds(5), false);

    private final NodeContext context;

    NotifyTool(NodeContext context) {
        this.context = context;
    }

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public ToolResult invoke(ToolCall call) {
        JsonNode a = Tools.args(call.argumentsJson());
        String id = UUID.randomUUID().toString();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", id);
        data.put("title", a.path("title").asText(""));
        data.put("message", a.path("message").asText());
        data.put("level", a.path("level").asText("info"));
        data.put("from", call.caller());
        context.publishEvent(new NodeEvent("tool.notify", context.clock().instant(), data));
        return new ToolResult(Tools.write(Map.of("delivered", true, "id", id)));
    }
}
