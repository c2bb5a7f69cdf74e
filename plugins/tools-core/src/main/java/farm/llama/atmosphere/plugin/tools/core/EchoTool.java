package farm.llama.atmosphere.plugin.tools.core;

import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Returns its message: the simplest end-to-end check of the tool path. */
final class EchoTool implements Tool {

    private static final ToolSpec SPEC = new ToolSpec("echo", "Returns the message it is given, unchanged.", "core",
            """
            {"type":"object","properties":{"message":{"type":"string","description":"text to echo back","maxLength":65536}},
             "required":["message"],"additionalProperties":false}
            """, List.of(), Duration.ofSeconds(5), false);

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public ToolResult invoke(ToolCall call) {
        String message = Tools.args(call.argumentsJson()).path("message").asText();
        return new ToolResult(Tools.write(Map.of("message", message)));
    }
}
