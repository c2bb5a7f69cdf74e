package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agents and triggers: the tool-calling loop against an OpenAI-compatible backend that returns
 * {@code tool_calls}, with tools here and on another member; the step limit; triggers routed to
 * an agent on another member, throttled; the registry across a restart; bad input.
 */
class AgentMeshTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    private NodeHarness node(String name, FakeOpenAi openai, String extra) throws Exception {
        String backends = openai == null ? "" : "backends:\n  - type: openai\n    url: " + openai.url() + "/v1\n";
        NodeHarness n = new NodeHarness(dir.resolve(name), MeshTest.meshConfig(MeshTest.freePort(),
                extra + "routing:\n  timeout: PT5S\n  queue-timeout: PT0.3S\n" + backends));
        open.add(n);
        return n;
    }

    private FakeOpenAi openai() throws Exception {
        FakeOpenAi f = new FakeOpenAi();
        open.add(f);
        return f;
    }

    private static void join(NodeHarness founder, NodeHarness joiner) throws InterruptedException {
        joiner.node.meshJoin(founder.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(joiner.node.meshJoinStatus().state().wire()), "joined");
    }

    private static boolean offers(NodeHarness at, String nodeId, String type) {
        return at.node.meshMembers().stream().anyMatch(m -> nodeId.equals(m.nodeId()) && "alive".equals(m.state())
                && String.valueOf(m.capabilities().orElse(List.of())).contains("type=" + type + ","));
    }

    private static long toolMessages(JsonNode body) {
        long n = 0;
        for (JsonNode m : body.path("messages")) {
            n += m.path("role").asText().equals("tool") ? 1 : 0;
        }
        return n;
    }

    /** An agent spec that calls echo here and system_info wherever it is. */
    static final String INSPECTOR = """
            agent:
              id: inspector_agent
              version: "1.0"
              type: inspector
              description: Inspects a machine of the mesh.
              tools:
                required: [echo, system_info]
              default_params:
                max_steps: 5
              instructions: |
                Check that the tools answer, then describe the machine.
            """;

    @Test
    void anAgentCallsALocalToolAndAToolOnAnotherMemberThenAnswers() throws Exception {
        FakeOpenAi model = openai();
        // A runs the agent and has no system_info of its own; B has it and lets members read the system
        NodeHarness a = node("a", model, "tools:\n  disabled: [system_info]\n");
        NodeHarness b = node("b", null, "tools:\n  grants:\n    mesh: [\"system:read\"]\n");
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        join(a, b);
        String bId = b.node.status().nodeId();
        NodeHarness.awaitTrue(() -> offers(a, bId, "tool/system_info"), "B's system_info tool seen at A");

        a.await("/api/v1/capabilities", c -> c.path("capabilities").size() > 0);
        a.node.agentAdd("inspector.yaml", INSPECTOR);
        model.script = body -> switch ((int) toolMessages(body)) {
            case 0 -> FakeOpenAi.Turn.call("echo", "{\"message\":\"ping\"}");
            case 1 -> FakeOpenAi.Turn.call("system_info", "{}");
            default -> FakeOpenAi.Turn.say("The machine has " + body.path("messages").toString().contains("processors") + " processors listed.");
        };
        Map<String, Object> spawned = NodeHarness.asMap(a.node.agentSpawn("inspector", JsonText.EMPTY_OBJECT, Optional.of("check the machine")));
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = (Map<String, Object>) spawned.get("answer");
        assertEquals("The machine has true processors listed.", answer.get("text"));
        assertEquals(3, ((Number) answer.get("steps")).intValue(), "two tool turns and the answer");

        JsonNode last = model.chatBodies.get(model.chatBodies.size() - 1);
        List<String> offered = new ArrayList<>();
        last.path("tools").forEach(t -> offered.add(t.path("function").path("name").asText()));
        assertEquals(List.of("echo", "system_info"), offered, "the agent's tools, the remote one with its schema: " + last.path("tools"));
        assertEquals("object", last.path("tools").get(1).path("function").path("parameters").path("type").asText());
        List<String> results = new ArrayList<>();
        last.path("messages").forEach(m -> {
            if (m.path("role").asText().equals("tool")) {
                results.add(m.path("content").asText());
            }
        });
        assertTrue(results.get(0).contains("ping"), "echo ran here: " + results);
        assertTrue(results.get(1).contains("\"nodeId\":\"" + bId + "\""), "system_info ran on B: " + results);
        assertTrue(last.path("messages").get(2).has("tool_calls"), "the assistant's tool calls are fed back: " + last.path("messages"));

        // without B's grant the tool call fails, the model hears why, and the loop goes on to an answer
        NodeHarness c = node("c", null, "");
        join(a, c);
        String cId = c.node.status().nodeId();
        b.close();
        open.remove(b);
        NodeHarness.awaitTrue(() -> offers(a, cId, "tool/system_info") && !offers(a, bId, "tool/system_info"), "only C offers system_info");
        model.chatBodies.clear();
        @SuppressWarnings("unchecked")
        Map<String, Object> again = NodeHarness.asMap(a.node.agentSpawn("inspector", JsonText.EMPTY_OBJECT, Optional.of("check again")).answer().orElseThrow());
        assertEquals(3, ((Number) again.get("steps")).intValue());
        String denied = model.chatBodies.get(model.chatBodies.size() - 1).path("messages").toString();
        assertTrue(denied.contains("system:read") && denied.contains("tools.grants"), "the denial names the permission: " + denied);
    }

    @Test
    void theStepLimitHoldsAgainstAModelThatCallsToolsForever() throws Exception {
        FakeOpenAi model = openai();
        NodeHarness a = node("a", model, "");
        a.await("/api/v1/capabilities", c -> c.path("capabilities").size() > 0);
        a.node.agentAdd("looper.yaml", INSPECTOR.replace("type: inspector", "type: looper").replace("max_steps: 5", "max_steps: 4")
                .replace("[echo, system_info]", "[echo]"));
        model.script = body -> FakeOpenAi.Turn.call("echo", "{\"message\":\"again\"}");
        int before = model.chatCalls.get();
        Map<String, Object> spawned = NodeHarness.asMap(a.node.agentSpawn("looper", JsonText.EMPTY_OBJECT, Optional.of("loop")));
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = (Map<String, Object>) spawned.get("answer");
        assertEquals(4, model.chatCalls.get() - before, "exactly max_steps model turns");
        assertEquals("step_limit", ((Map<?, ?>) answer.get("result")).get("stopped"));
        assertTrue(String.valueOf(answer.get("text")).contains("step limit"), String.valueOf(answer.get("text")));
        // a spawn parameter lowers it for one agent
        before = model.chatCalls.get();
        a.node.agentSpawn("looper", new JsonText("{\"max_steps\":2}"), Optional.of("loop"));
        assertEquals(2, model.chatCalls.get() - before);
        // the node is still fine
        assertEquals(200, a.get("/health").statusCode());
    }

    @Test
    void aTriggerRoutesToAnAgentOnAnotherMemberAndTheThrottleDropsTheRepeat() throws Exception {
        // a trigger's intent holds what both the member that sends it and B's triggers hold
        NodeHarness b = node("b", null, "tools:\n  grants:\n    mesh: [\"agents:invoke\", \"notify:send\"]\n"
                + "    trigger: [\"agents:invoke\", \"notify:send\"]\n");
        String bId = b.node.status().nodeId();
        NodeHarness a = node("a", null, """
                triggers:
                  door:
                    motion:
                      intent: "Motion at the {zone} door"
                      route: capability:%s/agent/notifier
                      throttle: 1h
                      priority: high
                  meter:
                    reading:
                      intent: "Power reading {watts} W"
                      route: agent/echo
                """.formatted(bId));
        String aId = a.node.status().nodeId();
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        join(a, b);
        NodeHarness.awaitTrue(() -> offers(a, bId, "agent/notifier"), "B's agent types seen at A");

        assertEquals(401, a.post("/api/v1/triggers/door/motion", "{\"zone\":\"front\"}").statusCode(), "firing needs a token or key");
        HttpResponse<String> fired = a.postAdmin("/api/v1/triggers/door/motion?wait=true", "{\"zone\":\"front\"}");
        assertEquals(200, fired.statusCode(), fired.body());
        JsonNode out = NodeHarness.json(fired.body());
        assertEquals("Motion at the front door", out.path("intent").asText());
        assertEquals(bId, out.path("answer").path("node").asText(), "routed to B by the hint: " + out);
        assertEquals("Notified: Motion at the front door", out.path("answer").path("text").asText());
        assertTrue(b.node.agents().stream().anyMatch(x -> x.type().equals("notifier") && x.spawnedBy().equals(aId)
                && x.invocations() == 1), "the notifier ran on B for A: " + b.node.agents());

        HttpResponse<String> repeat = a.postAdmin("/api/v1/triggers/door/motion", "{\"zone\":\"front\"}");
        assertEquals(429, repeat.statusCode(), repeat.body());
        assertTrue(NodeHarness.json(repeat.body()).path("throttled").asBoolean());
        assertTrue(repeat.headers().firstValue("retry-after").isPresent());
        JsonNode counts = NodeHarness.json(a.get("/api/v1/triggers").body()).path("triggers").get(0).path("counts");
        assertEquals(1, counts.path("fired").asInt(), counts.toString());
        assertEquals(1, counts.path("throttled").asInt(), counts.toString());

        // not waited for: accepted, then run; the event stream says where it went
        HttpResponse<String> queued = a.postAdmin("/api/v1/triggers/meter/reading", "{\"watts\":1200}");
        assertEquals(202, queued.statusCode(), queued.body());
        a.await("/api/v1/triggers", t -> t.path("triggers").get(1).path("counts").path("done").asInt() == 1);

        // bad input: an unknown trigger, a payload without the template's field, a payload that is not an object
        HttpResponse<String> unknown = a.postAdmin("/api/v1/triggers/window/open", "{}");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("door/motion"), "names the defined triggers: " + unknown.body());
        HttpResponse<String> missing = a.postAdmin("/api/v1/triggers/meter/reading", "{\"volts\":3}");
        assertEquals(400, missing.statusCode());
        assertTrue(missing.body().contains("'watts'"), missing.body());
        assertEquals(400, a.postAdmin("/api/v1/triggers/meter/reading", "[1]").statusCode());
        assertEquals(200, a.get("/health").statusCode());
    }

    @Test
    void routedIntentsChooseAgentsByMeaning() throws Exception {
        NodeHarness a = node("a", null, "");
        Map<String, Object> echo = NodeHarness.asMap(a.node.agentAsk("echo this text back to me unchanged", "agent/ech*", JsonText.EMPTY_OBJECT));
        assertEquals("echo", echo.get("type"));
        assertEquals("echo this text back to me unchanged", echo.get("text"));
        Map<String, Object> notified = NodeHarness.asMap(a.node.agentAsk("tell the owner that the backup finished: notify them", "agent/notifier", JsonText.EMPTY_OBJECT));
        assertEquals("notifier", notified.get("type"));
        CallFailedException none = assertThrows(CallFailedException.class, () -> a.node.agentAsk("x", "agent/nothing-like-this", JsonText.EMPTY_OBJECT));
        assertEquals(FailureKind.NOT_FOUND, none.kind());
        // without a chat model, the spec agents are not ready: not spawned, not routed to
        CallFailedException noModel = assertThrows(CallFailedException.class, () -> a.node.agentSpawn("research", JsonText.EMPTY_OBJECT, Optional.empty()));
        assertTrue(noModel.getMessage().contains("chat model"), noModel.getMessage());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> types = (List<Map<String, Object>>) NodeHarness.asMap(a.node.agentTypes()).get("types");
        Map<String, Object> research = types.stream().filter(t -> t.get("type").equals("research")).findFirst().orElseThrow();
        assertEquals(false, research.get("ready"));
        assertEquals(List.of("a chat model"), research.get("missing"));
        Map<String, Object> routed = NodeHarness.asMap(a.node.agentAsk("research the history of quantum computing", "", JsonText.EMPTY_OBJECT));
        assertTrue(!routed.get("type").equals("research"), "only agents that can run are candidates: " + routed);
    }

    @Test
    void agentsComeBackAsleepAfterARestartAndBadInputIsRefusedClearly() throws Exception {
        NodeHarness a = node("a", null, "");
        String id = a.node.agentSpawn("echo", new JsonText("{\"note\":\"kept\"}"), Optional.empty()).id();
        a.node.agentInvoke(id, "first", JsonText.EMPTY_OBJECT);
        a.close();
        open.remove(a);
        NodeHarness again = new NodeHarness(dir.resolve("a"), java.nio.file.Files.readString(
                dir.resolve("a").resolve("data").resolve("config.yaml")));
        open.add(again);
        Map<String, Object> restored = NodeHarness.asMap(again.node.agents().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow());
        assertEquals("sleeping", restored.get("state"));
        assertEquals(1, ((Number) restored.get("invocations")).intValue());
        assertEquals(Map.of("note", "kept"), restored.get("params"));
        Map<String, Object> woke = NodeHarness.asMap(again.node.agentInvoke(id.substring(0, id.length() - 2), "second", JsonText.EMPTY_OBJECT));
        assertEquals("second", woke.get("text"), "a unique prefix names the agent");
        assertEquals("idle", again.node.agents().get(0).state());

        ConfigException bad = assertThrows(ConfigException.class, () -> again.node.agentAdd("bad.yaml", """
                agent:
                  id: x
                  type: Bad Type
                  description: d
                  tools: [llm]
                """));
        String problems = String.join("\n", bad.problems());
        assertTrue(problems.contains("bad.yaml:3: 'type' must be lower-case"), problems);
        assertTrue(problems.contains("bad.yaml:5: 'tools' must be a mapping"), problems);
        ConfigException notYaml = assertThrows(ConfigException.class, () -> again.node.agentAdd("worse.yaml", "agent:\n  id: [x\n"));
        assertTrue(notYaml.problems().get(0).startsWith("worse.yaml:"), notYaml.problems().toString());
        assertEquals(FailureKind.NOT_FOUND, assertThrows(CallFailedException.class,
                () -> again.node.agentSpawn("no-such-type", JsonText.EMPTY_OBJECT, Optional.empty())).kind());
        assertEquals(FailureKind.NOT_FOUND, assertThrows(CallFailedException.class,
                () -> again.node.agentInvoke("nobody", "x", JsonText.EMPTY_OBJECT)).kind());
        HttpResponse<String> viaApi = again.postAdmin("/api/v1/agents/types", "{\"fileName\":\"bad.yaml\",\"yaml\":\"agent: 3\"}");
        assertEquals(400, viaApi.statusCode());
        assertTrue(viaApi.body().contains("bad.yaml:1"), viaApi.body());
        assertEquals(404, again.postAdmin("/api/v1/tools/no_such_tool/run", "{}").statusCode());
        HttpResponse<String> schema = again.postAdmin("/api/v1/tools/echo/run", "{\"message\":5}");
        assertEquals(400, schema.statusCode());
        assertTrue(schema.body().contains("message"), schema.body());
        assertEquals(200, again.get("/health").statusCode());
    }

    /** A model that answers {@code text} only once {@code release} is counted down: its callers stay busy meanwhile. */
    private static java.util.function.Function<JsonNode, FakeOpenAi.Turn> heldUntil(java.util.concurrent.CountDownLatch release, String text) {
        return body -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return FakeOpenAi.Turn.say(text);
        };
    }

    private static HttpResponse<String> fire(NodeHarness n, String path, String body, String key) throws Exception {
        return n.http.send(java.net.http.HttpRequest.newBuilder(n.base.resolve(path)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key).POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTriggerRunsAsTheTriggerCallerWithTheOwnersParamsAndAQueueThatRefusesWhenFull() throws Exception {
        FakeOpenAi model = openai();
        NodeHarness a = node("a", model, """
                agents:
                  trigger-queue: 1
                triggers:
                  door:
                    motion:
                      intent: "Motion at the {zone} door"
                      route: agent/notifier
                  meter:
                    reading:
                      intent: "Power reading {watts} W"
                      route: agent/echo
                      params: {room: hall}
                  camera:
                    frame:
                      intent: "Describe frame {n}"
                      route: agent/inspector
                      throttle: 0s
                """);
        a.await("/api/v1/capabilities", c -> c.path("capabilities").size() > 0);
        String sensorKey = new farm.llama.atmosphere.runtime.identity.ApiKeys(a.data.apiKeysFile()).create("sensor", "triggers").key();

        // the owner's params win over the payload's
        HttpResponse<String> reading = fire(a, "/api/v1/triggers/meter/reading?wait=true", "{\"watts\":5,\"room\":\"attic\"}", sensorKey);
        assertEquals(200, reading.statusCode(), reading.body());
        assertEquals("hall", NodeHarness.json(reading.body()).path("answer").path("result").path("args").path("room").asText(), reading.body());

        // a sensor's key drives the notifier only with what triggers hold: nothing, until the owner grants it
        HttpResponse<String> motion = fire(a, "/api/v1/triggers/door/motion?wait=true", "{\"zone\":\"front\"}", sensorKey);
        assertEquals(403, motion.statusCode(), motion.body());
        assertTrue(motion.body().contains("notify:send") && motion.body().contains("tools.grants.trigger"), motion.body());
        assertEquals("Notified: hello", a.node.agentAsk("hello", "agent/notifier", JsonText.EMPTY_OBJECT).text(), "the owner may");

        // two intents busy in the model, one waiting: the next is refused with 503 and Retry-After, and counted
        a.node.agentAdd("inspector.yaml", INSPECTOR.replace("[echo, system_info]", "[echo]"));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        model.script = heldUntil(release, "a frame");
        int before = model.chatCalls.get();
        for (int i = 1; i <= 2; i++) {
            assertEquals(202, fire(a, "/api/v1/triggers/camera/frame", "{\"n\":" + i + "}", sensorKey).statusCode());
            int busy = i;
            NodeHarness.awaitTrue(() -> model.chatCalls.get() - before == busy, busy + " trigger workers busy in the model");
        }
        assertEquals(202, fire(a, "/api/v1/triggers/camera/frame", "{\"n\":2}", sensorKey).statusCode(), "one may wait");
        HttpResponse<String> full = fire(a, "/api/v1/triggers/camera/frame", "{\"n\":3}", sensorKey);
        assertEquals(503, full.statusCode(), full.body());
        assertTrue(full.headers().firstValue("retry-after").isPresent(), full.headers().toString());
        assertTrue(full.body().contains("agents.trigger-queue"), full.body());
        release.countDown();
        a.await("/api/v1/triggers", t -> t.path("triggers").get(2).path("counts").path("done").asInt() == 3);
        JsonNode counts = NodeHarness.json(a.get("/api/v1/triggers").body()).path("triggers").get(2).path("counts");
        assertEquals(3, counts.path("fired").asInt(), counts.toString());
        assertEquals(1, counts.path("dropped").asInt(), counts.toString());
    }

    @Test
    void aForwardedToolCallIsJudgedByTheOriginalCallersGrantsAndAgentsPerCallerAreBounded() throws Exception {
        FakeOpenAi model = openai();
        NodeHarness b = node("b", null, "");
        String bId = b.node.status().nodeId();
        // A runs the agent and lets B invoke agents; system_info lives only on C, which lets A (not B) read the system
        // (A also lets B read the system, so it is C's judgement of the call's chain that refuses B)
        NodeHarness a = node("a", model, "tools:\n  disabled: [system_info]\n  grants:\n    " + bId + ": [\"agents:invoke\", \"system:read\"]\n"
                + "agents:\n  max-per-caller: 1\n"
                + "triggers:\n  camera:\n    frame:\n      intent: \"Check the machine for frame {n}\"\n      route: agent/inspector\n");
        String aId = a.node.status().nodeId();
        // C lets A, and its own triggers, read the system
        NodeHarness c = node("c", null, "tools:\n  grants:\n    " + aId + ": [\"system:read\"]\n    trigger: [\"system:read\"]\n");
        String cId = c.node.status().nodeId();
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        join(a, b);
        join(a, c);
        NodeHarness.awaitTrue(() -> offers(a, cId, "tool/system_info"), "C's system_info seen at A");
        a.await("/api/v1/capabilities", x -> x.path("capabilities").size() > 0);
        a.node.agentAdd("inspector.yaml", INSPECTOR);
        NodeHarness.awaitTrue(() -> offers(b, aId, "agent/inspector"), "A's inspector seen at B");
        model.script = body -> switch ((int) toolMessages(body)) {
            case 0 -> FakeOpenAi.Turn.call("system_info", "{}");
            default -> FakeOpenAi.Turn.say("done");
        };

        // A's owner: the call reaches C as A's, and runs
        a.node.agentAsk("check the machine", "agent/inspector", JsonText.EMPTY_OBJECT);
        String ownRun = model.chatBodies.get(model.chatBodies.size() - 1).path("messages").toString();
        assertTrue(ownRun.contains("\\\"nodeId\\\":\\\"" + cId + "\\\""), "system_info ran on C for A's owner: " + ownRun);

        // B through A's agent: C judges the call by B's grants too, and B holds none
        Map<String, Object> viaA = NodeHarness.asMap(b.node.agentAsk("check the machine", "capability:" + aId + "/agent/inspector", JsonText.EMPTY_OBJECT));
        assertEquals(aId, viaA.get("node"));
        String borrowed = model.chatBodies.get(model.chatBodies.size() - 1).path("messages").toString();
        assertTrue(borrowed.contains("system:read") && borrowed.contains("node " + bId) && borrowed.contains("the call is from node " + aId)
                && !borrowed.contains("\\\"processors\\\""), "refused on C, naming the original caller: " + borrowed);

        // A's trigger: A holds no trigger grants, so A does not send it on, though C would let triggers read
        HttpResponse<String> fired = a.postAdmin("/api/v1/triggers/camera/frame?wait=true", "{\"n\":1}");
        assertEquals(200, fired.statusCode(), fired.body());
        String triggered = model.chatBodies.get(model.chatBodies.size() - 1).path("messages").toString();
        assertTrue(triggered.contains("triggers do not hold") && triggered.contains("tools.grants.trigger")
                && !triggered.contains("\\\"processors\\\""), "refused at A: " + triggered);

        // one agent per caller from B at most: while B's agent is busy, B's next intent is refused, not a new agent
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        model.script = heldUntil(release, "slow");
        int before = model.chatCalls.get();
        var first = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                b.node.agentAsk("first", "capability:" + aId + "/agent/inspector", JsonText.EMPTY_OBJECT));
        NodeHarness.awaitTrue(() -> model.chatCalls.get() - before == 1, "B's first intent busy at A");
        farm.llama.atmosphere.spi.CallFailedException busy = assertThrows(farm.llama.atmosphere.spi.CallFailedException.class,
                () -> b.node.agentAsk("second", "capability:" + aId + "/agent/inspector", JsonText.EMPTY_OBJECT));
        assertEquals(FailureKind.OVERLOADED, busy.kind(), busy.getMessage());
        assertTrue(busy.getMessage().contains("agents.max-per-caller"), busy.getMessage());
        release.countDown();
        assertEquals("slow", first.get(60, java.util.concurrent.TimeUnit.SECONDS).text());
        assertEquals(1, a.node.agents().stream().filter(x -> bId.equals(x.spawnedBy())).count(), "one agent spawned for B: " + a.node.agents());
    }
}
