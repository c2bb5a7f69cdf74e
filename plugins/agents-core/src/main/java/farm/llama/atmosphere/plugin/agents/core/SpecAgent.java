package farm.llama.atmosphere.plugin.agents.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.agent.AgentReply;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An agent defined by a YAML spec: a bounded tool-calling loop. Its instructions and the intent go
 * to a routed chat capability with the tools it may use; each {@code tool_call} is run (here or
 * on the member that owns the tool) and its result fed back, until the model answers or the step
 * limit is reached.
 */
final class SpecAgent extends BaseAgent {

    private final AgentSpec spec;
    private final Map<String, Object> params;
    private final NodeContext node;

    SpecAgent(String id, AgentSpec spec, Map<String, Object> params, NodeContext node) {
        super(id);
        this.spec = spec;
        this.params = params;
        this.node = node;
    }

    /** The OpenAI {@code tools[]} entry for a tool this node or a live member offers. */
    private static ObjectNode definition(ToolSpec tool) {
        ObjectNode def = Json.MAPPER.createObjectNode();
        def.put("type", "function");
        ObjectNode fn = def.putObject("function");
        fn.put("name", tool.name());
        fn.put("description", tool.description());
        fn.set("parameters", Json.parse(tool.parametersSchema()));
        return def;
    }

    @Override
    protected AgentReply run(String intent, Map<String, Object> args, Caller caller) {
        Set<String> allowed = new LinkedHashSet<>();
        ArrayNode tools = Json.MAPPER.createArrayNode();
        for (String name : spec.requiredTools()) {
            ObjectNode def = node.tools().find(name).map(SpecAgent::definition).orElseThrow(() -> new CallFailedException(FailureKind.NOT_FOUND,
                    "Agent type '" + spec.type() + "' needs the tool '" + name + "', which neither this node nor a live member offers."));
            tools.add(def);
            allowed.add(name);
        }
        for (String name : spec.optionalTools()) {
            Optional<ObjectNode> def = node.tools().find(name).map(SpecAgent::definition);
            if (def.isPresent()) {
                tools.add(def.get());
                allowed.add(name);
            }
        }
        int maxSteps = params.get("max_steps") instanceof Number n ? Math.max(1, Math.min(64, n.intValue())) : spec.maxSteps();
        ArrayNode messages = Json.MAPPER.createArrayNode();
        messages.addObject().put("role", "system").put("content", systemPrompt());
        String user = args.isEmpty() ? intent : intent + "\n\nArguments: " + Json.write(args);
        messages.addObject().put("role", "user").put("content", user);
        List<Map<String, Object>> calls = new ArrayList<>();
        for (int step = 1; step <= maxSteps; step++) {
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("model", String.valueOf(params.getOrDefault("model", "auto")));
            body.set("messages", messages);
            if (!tools.isEmpty()) {
                body.set("tools", tools);
                body.put("tool_choice", "auto");
            }
            if (params.get("temperature") instanceof Number t) {
                body.put("temperature", t.doubleValue());
            }
            String model = String.valueOf(params.getOrDefault("model", "auto"));
            JsonNode message = Json.parse(node.routing().complete(new ChatRequest(model, body.toString())))
                    .path("choices").path(0).path("message");
            JsonNode toolCalls = message.path("tool_calls");
            if (!toolCalls.isArray() || toolCalls.isEmpty()) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("toolCalls", calls);
                publish("agent.answered", Map.of("agent", id(), "type", spec.type(), "steps", step));
                return new AgentReply(message.path("content").asText(""), Json.write(result), step);
            }
            ObjectNode assistant = messages.addObject();
            assistant.put("role", "assistant");
            assistant.putNull("content");
            assistant.set("tool_calls", toolCalls);
            for (JsonNode call : toolCalls) {
                String name = call.path("function").path("name").asText();
                String arguments = call.path("function").path("arguments").asText("{}");
                String callId = call.path("id").asText("call_" + step);
                String output;
                boolean ok = false;
                if (!allowed.contains(name)) {
                    output = error("the tool '" + name + "' is not among this agent's tools: " + String.join(", ", allowed));
                } else {
                    try {
                        output = node.tools().run(name, arguments.isBlank() ? "{}" : arguments, caller).json();
                        ok = true;
                    } catch (RuntimeException e) {
                        output = error(e.getMessage());
                    }
                }
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("step", step);
                record.put("tool", name);
                record.put("ok", ok);
                calls.add(record);
                publish("agent.step", Map.of("agent", id(), "type", spec.type(), "step", step, "tool", name, "ok", ok));
                messages.addObject().put("role", "tool").put("tool_call_id", callId).put("content", output);
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("stopped", "step_limit");
        result.put("toolCalls", calls);
        publish("agent.answered", Map.of("agent", id(), "type", spec.type(), "steps", maxSteps, "stopped", "step_limit"));
        return new AgentReply("Stopped at the step limit (" + maxSteps + " steps) without an answer. Raise default_params.max_steps"
                + " or spawn with {\"max_steps\": N} if the task needs more.", Json.write(result), maxSteps);
    }

    private void publish(String type, Map<String, Object> data) {
        node.publishEvent(new NodeEvent(type, Instant.now(), data));
    }

    private String systemPrompt() {
        StringBuilder sb = new StringBuilder(spec.instructions().isBlank() ? spec.description() : spec.instructions().strip());
        Map<String, Object> shown = new LinkedHashMap<>(params);
        shown.remove("model");
        shown.remove("max_steps");
        if (!shown.isEmpty()) {
            sb.append("\n\nParameters: ").append(Json.write(shown));
        }
        return sb.toString();
    }

    private static String error(String message) {
        return Json.write(Map.of("error", message == null ? "failed" : message));
    }
}
