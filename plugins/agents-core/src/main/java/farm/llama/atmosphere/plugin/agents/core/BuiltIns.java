package farm.llama.atmosphere.plugin.agents.core;

import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.agent.Agent;
import farm.llama.atmosphere.spi.agent.AgentReply;
import farm.llama.atmosphere.spi.agent.AgentType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The agent types written in code: echo, notifier and forwarder. */
final class BuiltIns {

    private BuiltIns() {
    }

    /** What an agent of a built-in type does with one intent. */
    private interface Body {
        AgentReply run(Map<String, Object> params, String intent, Map<String, Object> args, Caller caller);
    }

    private record Type(String name, String description, List<String> requiredTools, List<String> triggers, Body body)
            implements AgentType {

        @Override
        public Agent spawn(String id, Map<String, Object> params) {
            Map<String, Object> own = Map.copyOf(params);
            return new BaseAgent(id) {
                @Override
                protected AgentReply run(String intent, Map<String, Object> args, Caller caller) {
                    return body.run(own, intent, args, caller);
                }
            };
        }
    }

    /**
     * @param node the node the agents work on
     * @return echo, notifier and forwarder
     */
    static List<AgentType> types(NodeContext node) {
        return List.of(
                new Type("echo", "Echoes the intent it receives: a check that intents reach agents.", List.of(), List.of("echo"),
                        (params, intent, args, caller) -> new AgentReply(intent, Json.write(Map.of("intent", intent, "args", args)), 0)),
                new Type("notifier",
                        "Tells the owner about an event: turns the intent into a notification on the event stream, the shell and the dashboard.",
                        List.of("notify"), List.of("notify"), (params, intent, args, caller) -> {
                            Map<String, Object> a = new LinkedHashMap<>();
                            a.put("message", intent.length() > 4000 ? intent.substring(0, 4000) : intent);
                            a.put("title", String.valueOf(params.getOrDefault("title", "Atmosphere")));
                            String priority = String.valueOf(args.getOrDefault("priority", "normal"));
                            a.put("level", priority.equals("critical") ? "critical" : priority.equals("high") ? "warning" : "info");
                            String result = node.tools().run("notify", Json.write(a), caller).json();
                            return new AgentReply("Notified: " + a.get("message"), result, 1);
                        }),
                new Type("forwarder", "Passes an intent on to the agent that fits it best, by route hint (params.target) or by meaning.",
                        List.of(), List.of("forward"), (params, intent, args, caller) -> {
                            String hint = String.valueOf(params.getOrDefault("target", ""));
                            AgentReply out = node.agents().dispatch(intent, hint, args, caller, Set.of("forwarder"));
                            return new AgentReply(out.text(), out.json(), 1 + out.steps());
                        }));
    }
}
