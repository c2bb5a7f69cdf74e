package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.DeployStatus;
import farm.llama.atmosphere.runtime.api.TaskState;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests made at a node without backends are served by other members' backends over the mesh:
 * streamed chunk by chunk, named in the headers, cancelled at the serving backend when the client
 * goes away, and failed over to another member when the serving one dies.
 */
class MeshRoutingTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    private NodeHarness node(String name, FakeOllama backend) throws Exception {
        String extra = backend == null ? "" : "backends:\n  - type: ollama\n    url: " + backend.url() + "\n";
        NodeHarness n = new NodeHarness(dir.resolve(name), MeshTest.meshConfig(MeshTest.freePort(), extra)
                + "routing:\n  timeout: PT5S\n  queue-timeout: PT0.3S\n");
        open.add(n);
        return n;
    }

    private static void join(NodeHarness founder, NodeHarness joiner) throws InterruptedException {
        joiner.node.meshJoin(founder.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(joiner.node.meshJoinStatus().state().wire()), "joined");
    }

    private static boolean sees(NodeHarness at, String nodeId) {
        return at.node.meshMembers().stream().anyMatch(m -> nodeId.equals(m.nodeId()) && "alive".equals(m.state())
                && MeshTest.backendCapabilities(FakeBackend.JSON.valueToTree(m)) > 0);
    }

    private static final String CHAT = """
            {"model":"llama3.2","messages":[{"role":"user","content":"why is the sky blue?"}]}""";

    @Test
    void aNodeWithoutBackendsIsServedByAMemberAndFailsOverWhenItDies() throws Exception {
        FakeOllama ollamaA = new FakeOllama();
        FakeOllama ollamaB = new FakeOllama();
        open.add(ollamaA);
        open.add(ollamaB);
        NodeHarness a = node("a", ollamaA);
        NodeHarness b = node("b", ollamaB);
        NodeHarness c = node("c", null);
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        join(a, b);
        join(a, c);
        String aId = a.node.status().nodeId();
        String bId = b.node.status().nodeId();
        NodeHarness.awaitTrue(() -> sees(c, aId) && sees(c, bId), "A's and B's capabilities at C");

        // the models of the whole mesh, on which nodes
        assertEquals(List.of(), c.node.models(false), "C itself has none");
        JsonNode models = NodeHarness.json(c.get("/api/v1/models?mesh=true").body()).path("models");
        JsonNode llama = null;
        for (JsonNode m : models) {
            if (m.path("model").asText().equals("llama3.2")) {
                llama = m;
            }
        }
        assertTrue(llama != null, models.toString());
        assertEquals(2, llama.path("nodes").size(), "served on A and on B: " + llama);
        assertTrue(llama.toString().contains(aId) && llama.toString().contains(bId));
        assertTrue(llama.path("nodes").get(0).path("sizeBytes").asLong() > 0, "sizes travel with the profiles: " + llama);

        // not streamed
        HttpResponse<String> r = c.post("/v1/chat/completions", CHAT);
        assertEquals(200, r.statusCode(), r.body());
        String served = r.headers().firstValue("x-atmosphere-node").orElseThrow();
        assertTrue(served.equals(aId) || served.equals(bId), served);
        JsonNode body = NodeHarness.json(r.body());
        assertEquals(String.join("", FakeBackend.REPLY), body.path("choices").get(0).path("message").path("content").asText());
        assertTrue(r.headers().firstValue("x-atmosphere-route").orElseThrow().startsWith(served + "/ollama"));

        // streamed, chunk by chunk
        HttpResponse<InputStream> s = c.postStream("/v1/chat/completions", CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""));
        assertEquals(200, s.statusCode());
        String sse = new String(s.body().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(sse.contains("Rayleigh") && sse.trim().endsWith("data: [DONE]"), sse);
        long dataLines = sse.lines().filter(l -> l.startsWith("data: {")).count();
        assertTrue(dataLines >= FakeBackend.REPLY.size(), "one SSE event per chunk: " + dataLines);

        // embeddings, likewise
        HttpResponse<String> e = c.post("/v1/embeddings", "{\"model\":\"nomic-embed-text\",\"input\":[\"a\",\"b\"]}");
        assertEquals(200, e.statusCode(), e.body());
        String embedder = e.headers().firstValue("x-atmosphere-node").orElseThrow();
        assertTrue(embedder.equals(aId) || embedder.equals(bId), embedder);
        JsonNode vectors = NodeHarness.json(e.body()).path("data");
        assertEquals(2, vectors.size());
        HttpResponse<String> direct = a.post("/v1/embeddings", "{\"model\":\"nomic-embed-text\",\"input\":[\"a\",\"b\"]}");
        assertEquals(NodeHarness.json(direct.body()).path("data"), vectors, "the same vectors as asked at the member itself");

        // the serving member dies: the same request at C is served by the other
        NodeHarness dying = served.equals(aId) ? a : b;
        String other = served.equals(aId) ? bId : aId;
        dying.close();
        open.remove(dying);
        HttpResponse<String> again = c.post("/v1/chat/completions", CHAT);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(other, again.headers().firstValue("x-atmosphere-node").orElseThrow());
    }

    @Test
    void aClientThatGoesAwayCancelsTheGenerationOnTheServingMember() throws Exception {
        FakeOllama ollama = new FakeOllama();
        open.add(ollama);
        ollama.chunkDelayMs = 300;
        NodeHarness a = node("a", ollama);
        NodeHarness c = node("c", null);
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        join(a, c);
        String aId = a.node.status().nodeId();
        NodeHarness.awaitTrue(() -> sees(c, aId), "A's capabilities at C");
        HttpResponse<InputStream> s = c.postStream("/v1/chat/completions", CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""));
        assertEquals(200, s.statusCode());
        assertEquals(aId, s.headers().firstValue("x-atmosphere-node").orElseThrow());
        InputStream in = s.body();
        byte[] first = new byte[64];
        assertTrue(in.read(first) > 0, "the first chunk arrived");
        in.close();
        NodeHarness.awaitTrue(() -> ollama.cancelledStreams.get() > 0, "the generation cancelled at A's backend");
        assertNotEquals(0, ollama.chatCalls.get());
    }

    @Test
    void theServingMembersPolicyRefusesNamesTheRuleAndLimitsTheRateAndLocalStaysLocal() throws Exception {
        FakeOllama ollama = new FakeOllama();
        open.add(ollama);
        NodeHarness c = node("c", null);
        String cId = c.node.status().nodeId();
        NodeHarness a = new NodeHarness(dir.resolve("a"), MeshTest.meshConfig(MeshTest.freePort(),
                "backends:\n  - type: ollama\n    url: " + ollama.url() + "\n")
                + "policy:\n  rate: 2/m\n  deny: [\"llava*\"]\n  peers:\n    " + cId + ":\n      deny: [\"llama3.2*\"]\n");
        open.add(a);
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        join(a, c);
        String aId = a.node.status().nodeId();
        NodeHarness.awaitTrue(() -> sees(c, aId), "A's capabilities at C");
        assertTrue(c.node.meshMembers().stream().filter(m -> aId.equals(m.nodeId())).findFirst().orElseThrow()
                .capabilities().orElse(List.of()).toString().contains("qwen"), "shared models are published");
        assertTrue(!c.node.meshMembers().stream().filter(m -> aId.equals(m.nodeId())).findFirst().orElseThrow()
                .capabilities().orElse(List.of()).toString().contains("llava"), "a model denied to everyone is not even published");
        int before = ollama.chatCalls.get();

        HttpResponse<String> denied = c.post("/v1/chat/completions", CHAT);
        assertEquals(403, denied.statusCode(), denied.body());
        assertTrue(denied.body().contains("policy.peers." + cId + ".deny"), denied.body());

        String coder = CHAT.replace("llama3.2", "qwen2.5-coder:7b");
        assertEquals(200, c.post("/v1/chat/completions", coder).statusCode());
        assertEquals(200, c.post("/v1/chat/completions", coder).statusCode());
        HttpResponse<String> limited = c.post("/v1/chat/completions", coder);
        assertEquals(503, limited.statusCode(), limited.body());
        assertTrue(limited.body().contains("policy.rate 2/m"), limited.body());
        assertEquals(before + 2, ollama.chatCalls.get(), "refused requests never reached the backend");

        HttpResponse<String> local = c.http.send(java.net.http.HttpRequest.newBuilder(c.base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").header("x-atmosphere-locality", "local")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(CHAT.replace("llama3.2", "auto"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(503, local.statusCode(), "C has no backend of its own: " + local.body());
        assertEquals(before + 2, ollama.chatCalls.get(), "locality: local never left C");

        String shown = String.valueOf(a.node.policy());
        assertTrue(shown.contains("2/m") && shown.contains(cId), shown);
    }

    @Test
    void aToolRunsOnAnotherMemberOnlyWithinWhatItsGrantsAllow() throws Exception {
        NodeHarness c = node("c", null);
        String cId = c.node.status().nodeId();
        // A grants C the storage permissions, and nothing else
        NodeHarness a = new NodeHarness(dir.resolve("a"), MeshTest.meshConfig(MeshTest.freePort(), "")
                + "tools:\n  grants:\n    \"" + cId + "\": [\"storage:*\"]\n", java.nio.file.Path.of(
                System.getProperty("atmosphere.test.plugins", "target/plugins")));
        open.add(a);
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        join(a, c);
        String aId = a.node.status().nodeId();
        NodeHarness.awaitTrue(() -> c.node.meshMembers().stream().anyMatch(m -> aId.equals(m.nodeId()) && "alive".equals(m.state())),
                "A alive at C");

        // no permission needed: runs on A
        String echoed = c.node.runToolOn(aId, "echo", "{\"message\":\"over the mesh\"}");
        assertTrue(echoed.contains("over the mesh"), echoed);
        // granted: writes into A's store, readable at A
        c.node.runToolOn(aId, "store", "{\"action\":\"set\",\"key\":\"k\",\"value\":\"from C\"}");
        assertTrue(a.node.runTool("store", "{\"action\":\"get\",\"key\":\"k\"}").contains("from C"));
        // not granted: health needs system:read
        farm.llama.atmosphere.spi.CallFailedException denied = org.junit.jupiter.api.Assertions.assertThrows(
                farm.llama.atmosphere.spi.CallFailedException.class, () -> c.node.runToolOn(aId, "health", "{}"));
        assertEquals(farm.llama.atmosphere.spi.FailureKind.REFUSED, denied.kind());
        assertTrue(denied.getMessage().contains("system:read") && denied.getMessage().contains("tools.grants." + cId), denied.getMessage());
        // over HTTP the refusal is a 403
        String token = java.nio.file.Files.readString(dir.resolve("c").resolve("data").resolve("admin.token")).trim();
        HttpResponse<String> r = c.http.send(java.net.http.HttpRequest.newBuilder(c.base.resolve("/api/v1/tools/health/run?node=" + aId))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("system:read"), r.body());
    }

    @Test
    void aModelIsDeployedToAMemberWithProgressAndThenServedFromIt() throws Exception {
        FakeOllama ollama = new FakeOllama();
        open.add(ollama);
        NodeHarness c = node("c", null);
        String cId = c.node.status().nodeId();
        NodeHarness a = new NodeHarness(dir.resolve("a"), MeshTest.meshConfig(MeshTest.freePort(),
                "backends:\n  - type: ollama\n    url: " + ollama.url() + "\n")
                + "tools:\n  grants:\n    \"" + cId + "\": [\"models:*\"]\n");
        open.add(a);
        FakeOllama ollamaB = new FakeOllama();
        open.add(ollamaB);
        NodeHarness b = node("b", ollamaB);
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        join(a, c);
        join(a, b);
        String aId = a.node.status().nodeId();
        String bId = b.node.status().nodeId();
        NodeHarness.awaitTrue(() -> sees(c, aId) && sees(c, bId), "A and B alive at C");

        c.node.modelDeploy("phi3", List.of(aId, bId), false);
        NodeHarness.awaitTrue(() -> !"running".equals(c.node.modelDeployStatus().state().wire()), "the deploy ends");
        DeployStatus status = c.node.modelDeployStatus();
        Map<String, DeployStatus.NodeProgress> nodes = status.nodes().orElseThrow();
        assertEquals(DeployStatus.NodeState.DONE, nodes.get(aId).state(), status.toString());
        assertEquals(1000L, nodes.get(aId).completed().orElse(-1L), "progress reached the end: " + status);
        assertEquals(List.of("phi3:latest"), ollama.pulled);
        assertEquals(DeployStatus.NodeState.FAILED, nodes.get(bId).state(), "B grants C nothing: " + status);
        assertTrue(nodes.get(bId).error().orElse("").contains("models:deploy"), status.toString());
        assertEquals(TaskState.FAILED, status.state());

        // the new model shows up at C as a capability of A, and is served from there
        NodeHarness.awaitTrue(() -> c.node.models(true).stream().anyMatch(m -> "phi3".equals(m.model())), "phi3 in the mesh's models");
        HttpResponse<String> r = c.post("/v1/chat/completions", CHAT.replace("llama3.2", "phi3"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(aId, r.headers().firstValue("x-atmosphere-node").orElseThrow());
    }
}
