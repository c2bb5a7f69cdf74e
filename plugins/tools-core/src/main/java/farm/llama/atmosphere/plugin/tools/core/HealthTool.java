package farm.llama.atmosphere.plugin.tools.core;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeStatus;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A summary of the node's health: identity, uptime, plugins, tools, memory. */
final class HealthTool implements Tool {

    private static final ToolSpec SPEC = new ToolSpec("health",
            "Reports this node's health: id, version, uptime, plugins started and failed, tools, memory and processors.",
            "system", """
            {"type":"object","properties":{},"additionalProperties":false}
            """, List.of("system:read"), Duration.ofSeconds(5), false);

    private final NodeContext context;

    HealthTool(NodeContext context) {
        this.context = context;
    }

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public ToolResult invoke(ToolCall call) {
        NodeStatus s = context.status();
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", s.pluginsFailed() == 0 ? "ok" : "degraded");
        out.put("nodeId", s.nodeId());
        out.put("name", s.name());
        out.put("version", s.version());
        out.put("serving", s.serving());
        out.put("uptimeSeconds", s.uptime().toSeconds());
        out.put("pluginsStarted", s.pluginsStarted());
        out.put("pluginsFailed", s.pluginsFailed());
        out.put("tools", s.tools());
        out.put("processors", rt.availableProcessors());
        out.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
        out.put("heapMaxBytes", rt.maxMemory());
        return new ToolResult(Tools.write(out));
    }
}
