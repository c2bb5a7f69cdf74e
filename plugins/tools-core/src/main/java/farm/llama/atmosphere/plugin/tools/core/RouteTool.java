package farm.llama.atmosphere.plugin.tools.core;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.ScoredCandidate;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Explains where an intent would be routed, without running anything. */
final class RouteTool implements Tool {

    private static final ToolSpec SPEC = new ToolSpec("route",
            "Explains which capability, on which node, an intent would be routed to and why, with the runners-up. Runs nothing.",
            "ai", """
            {"type":"object","properties":{
              "intent":{"type":"string","minLength":1,"maxLength":20000,"description":"what is to be done, in words"},
              "needs":{"type":"array","items":{"type":"string","pattern":"^[a-z0-9-]+(/[a-z0-9._*-]+)+$"},"minItems":1,
                       "description":"capability types, any of them (default llm/chat)"},
              "model":{"type":"string","minLength":1,"description":"insist on a model"}},
             "required":["intent"],"additionalProperties":false}
            """, List.of("route:read"), Duration.ofSeconds(10), false);

    private final NodeContext context;

    RouteTool(NodeContext context) {
        this.context = context;
    }

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public ToolResult invoke(ToolCall call) {
        JsonNode a = Tools.args(call.argumentsJson());
        Set<String> needs = new LinkedHashSet<>();
        a.path("needs").forEach(n -> needs.add(n.asText()));
        if (needs.isEmpty()) {
            needs.add("llm/chat");
        }
        Optional<String> model = a.hasNonNull("model") ? Optional.of(a.get("model").asText()) : Optional.empty();
        RouteDecision d = context.routing().explain(new RouteQuery(a.path("intent").asText(), needs, model));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("winner", d.winner().map(RouteTool::describe).orElse(null));
        out.put("reason", d.reason());
        List<Map<String, Object>> runners = new ArrayList<>();
        d.runnersUp().stream().limit(5).forEach(c -> runners.add(describe(c)));
        out.put("runnersUp", runners);
        return new ToolResult(Tools.write(out));
    }

    private static Map<String, Object> describe(ScoredCandidate c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("capability", c.capability().id());
        m.put("node", c.capability().nodeId());
        m.put("type", c.capability().type());
        m.put("name", c.capability().name());
        m.put("score", c.score());
        m.put("similarity", c.similarity());
        m.put("cost", c.cost());
        return m;
    }
}
