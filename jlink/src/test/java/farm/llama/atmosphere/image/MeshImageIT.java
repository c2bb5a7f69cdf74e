package farm.llama.atmosphere.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import farm.llama.atmosphere.image.ImageNodes.NodeDir;
import farm.llama.atmosphere.image.ImageNodes.Result;
import farm.llama.atmosphere.tests.FakeOllama;
import farm.llama.atmosphere.tests.MeshFixtures;
import farm.llama.atmosphere.tests.FakeOpenAi;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Several node processes of the built image on loopback, each with its own data dir, API port and
 * mesh port, driven only through the CLI as a person would: create, invite, join with and without
 * approval, deny, members with capabilities, an admin admitting while the founder is stopped,
 * {@code kill -9} seen as dead, restart with the same membership, leave,
 * revoke. Fast protocol timers come from each node's config.
 */
class MeshImageIT {

    private static final Duration WAIT = ImageNodes.WAIT;
    private static final ObjectMapper JSON = ImageNodes.JSON;

    private ImageNodes nodes;
    private Path work;
    private Path launcher;
    private List<Process> processes;
    private List<AutoCloseable> closing;

    /** On a failure, the nodes' own logs say what they saw. */
    @RegisterExtension
    final TestWatcher printLogs = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            nodes.printLogs();
        }
    };

    @BeforeEach
    void image() throws Exception {
        nodes = new ImageNodes("atmosphere-mesh-it");
        work = nodes.work;
        launcher = nodes.launcher;
        processes = nodes.processes;
        closing = nodes.closing;
    }

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    @Test
    void fourNodeProcessesJoinApproveDenyAdminDieRestartLeaveAndRevoke() throws Exception {
        FakeOllama ollama = new FakeOllama();
        closing.add(ollama);
        NodeDir a = nodes.new NodeDir("alpha", "backends:\n  - type: ollama\n    url: " + ollama.url() + "\n");
        NodeDir b = nodes.new NodeDir("bravo");
        NodeDir c = nodes.new NodeDir("charlie");
        NodeDir d = nodes.new NodeDir("delta");
        for (NodeDir n : List.of(a, b, c, d)) {
            n.serve();
        }
        a.ok("mesh", "create", "-n", "home");
        String token = JSON.readTree(a.ok("mesh", "invite", "--json").out()).path("token").asText();

        // with an invite: admitted at once
        Result joined = b.ok("mesh", "join", token);
        assertTrue(joined.out().contains("Joined mesh"), joined.out());

        // by address: waits until the owner approves
        Process cJoin = c.command(List.of("mesh", "join", "127.0.0.1:" + a.meshPort)).redirectErrorStream(true).start();
        processes.add(cJoin);
        ProcessOutput cOut = new ProcessOutput(cJoin.getInputStream());
        cOut.await(t -> t.contains("Waiting for the mesh owner"), "charlie waiting for approval");
        String pending = a.ok("approve").out();
        assertTrue(pending.contains(c.nodeId) && pending.contains("charlie"), pending);
        a.ok("approve", c.nodeId);
        assertTrue(cJoin.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, cJoin.exitValue(), cOut.await(t -> true, ""));

        // denied: the joiner is told, and stays out
        Process dJoin = d.command(List.of("mesh", "join", "127.0.0.1:" + a.meshPort)).redirectErrorStream(true).start();
        processes.add(dJoin);
        ProcessOutput dOut = new ProcessOutput(dJoin.getInputStream());
        dOut.await(t -> t.contains("Waiting for the mesh owner"), "delta waiting for approval");
        a.ok("approve", d.nodeId, "--deny");
        assertTrue(dJoin.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(1, dJoin.exitValue());
        assertTrue(dOut.await(t -> t.contains("denied"), "the denial").contains("denied"));

        // gossip: everyone sees everyone, with names
        for (NodeDir n : List.of(a, b, c)) {
            for (NodeDir m : List.of(a, b, c)) {
                n.awaitState(m.nodeId, "alive");
            }
        }
        String table = c.ok("mesh", "members").out();
        assertTrue(table.contains("alpha") && table.contains("bravo") && table.contains("websocket"), table);
        assertEquals("unknown", a.stateOf(d.nodeId));
        // alpha's backend models are capabilities the others see
        int aCaps = JSON.readTree(a.ok("backends", "--json").out()).path("backends").get(0).path("capabilities").asInt();
        assertTrue(aCaps > 0);
        c.awaitMember(a.nodeId, m -> MeshFixtures.backendCapabilities(m) == aCaps, aCaps + " backend capabilities of alpha");

        // admin: bravo admits delta with its own invite while the founder is stopped
        a.ok("mesh", "admin", b.nodeId);
        b.awaitMe(m -> m.path("role").asText().equals("admin"), "bravo an admin");
        a.serving.destroy();
        a.serving.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        String bToken = JSON.readTree(b.ok("mesh", "invite", "--json").out()).path("token").asText();
        Result dJoined = d.ok("mesh", "join", bToken);
        assertTrue(dJoined.out().contains("Joined mesh"), dJoined.out());
        b.awaitState(d.nodeId, "alive");
        c.awaitState(d.nodeId, "alive");
        a.serve();
        a.awaitState(d.nodeId, "alive");

        // kill -9: the others confirm bravo dead; restarted, it comes back with the same membership
        String bCert = Files.readString(b.data.resolve("mesh/member.pem"));
        b.serving.destroyForcibly();
        b.serving.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        a.awaitState(b.nodeId, "dead");
        c.awaitState(b.nodeId, "dead");
        b.serve();
        assertEquals(bCert, Files.readString(b.data.resolve("mesh/member.pem")));
        a.awaitState(b.nodeId, "alive");
        c.awaitState(b.nodeId, "alive");

        // kill -9 in the middle of state changes (invites written one after another): it comes back whole
        a.killDuringInviteWrites();
        a.serve();
        JsonNode status = JSON.readTree(a.ok("mesh", "status", "--json").out());
        assertEquals("founder", status.path("role").asText(), status.toString());
        a.ok("mesh", "invite");
        a.awaitState(b.nodeId, "alive");
        a.awaitState(c.nodeId, "alive");

        // leave: announced, then the local state is gone
        c.ok("mesh", "leave");
        a.awaitState(c.nodeId, "left");
        assertTrue(c.ok("mesh", "status").out().contains("Not in a mesh"));

        // revoke: bravo admitted delta, so the founder is told what happens to delta and asked for --yes
        Result asked = a.run("mesh", "revoke", b.nodeId);
        assertEquals(1, asked.code(), asked.out());
        assertTrue(asked.err().contains(d.nodeId) && asked.err().contains("--yes") && asked.err().contains("mesh admin " + b.nodeId + " --remove"),
                asked.err());
        assertNotEquals("left", a.stateOf(b.nodeId), "nothing was revoked (alive, or suspect on a loaded machine, but not expelled)");
        Result revoked = a.ok("mesh", "revoke", b.nodeId, "--yes");
        assertTrue(revoked.out().contains("Cut off with it") && revoked.out().contains(d.nodeId), revoked.out());
        a.awaitState(b.nodeId, "left");
        JsonNode stats = JSON.readTree(a.ok("mesh", "status", "--json").out());
        assertTrue(stats.path("revoked").toString().contains(b.nodeId), stats.toString());
        // delta was cut off with bravo: it asks the founder to re-admit it, and the owner approves
        long end = System.nanoTime() + WAIT.toNanos();
        while (!a.ok("approve").out().contains(d.nodeId)) {
            assertTrue(System.nanoTime() < end, "delta never asked alpha to re-admit it");
            Thread.sleep(200);
        }
        a.ok("approve", d.nodeId);
        a.awaitMember(d.nodeId, m -> m.path("certificate").asText().equals("valid") && m.path("state").asText().equals("alive"),
                "delta re-admitted with a certificate of the mesh key");
        d.awaitMe(m -> m.path("admittedBy").asText().isEmpty() && m.path("certificate").asText().equals("valid"), "delta's new certificate");
    }

    private static String backend(FakeOllama o) {
        return "backends:\n  - type: ollama\n    url: " + o.url() + "\n";
    }

    private static HttpResponse<String> post(NodeDir n, String path, String body) throws Exception {
        URI base = URI.create(JSON.readTree(Files.readString(n.data.resolve("node.json"))).path("address").asText());
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI baseOf(NodeDir n) throws IOException {
        return URI.create(JSON.readTree(Files.readString(n.data.resolve("node.json"))).path("address").asText());
    }

    /** A request with the node's admin token, as the CLI sends it. */
    private static JsonNode admin(NodeDir n, String method, String path, String body) throws Exception {
        String token = Files.readString(n.data.resolve("admin.token")).trim();
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(baseOf(n).resolve(path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() < 300, method + " " + path + " -> " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    /** Reads the node's kept events (server-sent) until one contains the text. */
    private static String awaitEvent(NodeDir n, String text) throws Exception {
        URI base = URI.create(JSON.readTree(Files.readString(n.data.resolve("node.json"))).path("address").asText());
        HttpResponse<InputStream> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(base.resolve("/api/v1/events?after=1")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            ProcessOutput events = new ProcessOutput(in);
            return events.await(t -> t.contains(text), "an event with " + text);
        }
    }

    @Test
    void aRequestAtANodeWithoutBackendsIsServedAcrossTheMeshAndSurvivesAKill9() throws Exception {
        FakeOllama oa = new FakeOllama();
        FakeOllama ob = new FakeOllama();
        closing.add(oa);
        closing.add(ob);
        // default probe interval: the node killed below is still believed alive when the next request comes
        NodeDir a = nodes.new NodeDir("alpha", backend(oa), "PT1S");
        NodeDir b = nodes.new NodeDir("bravo", backend(ob), "PT1S");
        NodeDir c = nodes.new NodeDir("charlie", "", "PT1S");
        for (NodeDir n : List.of(a, b, c)) {
            n.serve();
        }
        a.ok("mesh", "create", "-n", "home");
        String token = JSON.readTree(a.ok("mesh", "invite", "--uses", "2", "--json").out()).path("token").asText();
        b.ok("mesh", "join", token);
        c.ok("mesh", "join", token);
        c.awaitMember(a.nodeId, m -> MeshFixtures.backendCapabilities(m) > 0, "alpha's backend capabilities");
        c.awaitMember(b.nodeId, m -> MeshFixtures.backendCapabilities(m) > 0, "bravo's backend capabilities");
        String route = c.ok("route", "why is the sky blue?").out();
        assertTrue(route.contains(a.nodeId) || route.contains(b.nodeId), "remote candidates are explained: " + route);

        String chat = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"why is the sky blue?\"}]}";
        HttpResponse<String> r = post(c, "/v1/chat/completions", chat);
        assertEquals(200, r.statusCode(), r.body());
        String served = r.headers().firstValue("x-atmosphere-node").orElseThrow();
        assertTrue(served.equals(a.nodeId) || served.equals(b.nodeId), served);
        HttpResponse<String> streamed = post(c, "/v1/chat/completions", chat.replace("{\"model\"", "{\"stream\":true,\"model\""));
        assertTrue(streamed.body().contains("Rayleigh") && streamed.body().trim().endsWith("data: [DONE]"), streamed.body());
        HttpResponse<String> e = post(c, "/v1/embeddings", "{\"model\":\"nomic-embed-text\",\"input\":\"sky\"}");
        assertEquals(200, e.statusCode(), e.body());

        // the member C would choose now (its choice follows measured link times, so ask) is killed
        String next = JSON.readTree(post(c, "/api/v1/route", "{\"intent\":\"why is the sky blue?\",\"model\":\"llama3.2\"}").body())
                .path("winner").path("capability").path("nodeId").asText();
        NodeDir dying = next.equals(a.nodeId) ? a : b;
        NodeDir other = dying == a ? b : a;
        dying.serving.destroyForcibly();
        dying.serving.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        HttpResponse<String> again = post(c, "/v1/chat/completions", chat);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(other.nodeId, again.headers().firstValue("x-atmosphere-node").orElseThrow());
        assertTrue(again.headers().firstValue("x-atmosphere-failover").isPresent(), "the failover is named: " + again.headers().map());
        String why = awaitEvent(c, "route.failover");
        assertTrue(why.contains(dying.nodeId), why);
    }

    @Test
    void twoNodesThatListenNowhereJoinThroughARelayProcessServeEachOthersModelsAndARelayRestartHeals() throws Exception {
        FakeOllama oa = new FakeOllama().serving("mistral:7b");
        closing.add(oa);
        FakeOllama ob = new FakeOllama().serving("gemma2:2b");
        closing.add(ob);
        int relayPort = MeshFixtures.freePort();
        Process relay = nodes.relay(relayPort);
        NodeDir a = nodes.new NodeDir("alpha", ImageNodes.overRelay("relay", relayPort) + backend(oa));
        NodeDir b = nodes.new NodeDir("bravo", ImageNodes.overRelay("relay", relayPort) + backend(ob));
        a.serve();
        b.serve();
        a.ok("mesh", "create", "-n", "split");
        // alpha listens nowhere: its invite sends the joiner through the relay, with a join ticket
        JsonNode invite = JSON.readTree(a.ok("mesh", "invite", "--json").out());
        String token = invite.path("token").asText();
        assertTrue(invite.path("note").asText().contains("listens nowhere: the joiner reaches it through ws://127.0.0.1:" + relayPort),
                invite.toString());
        String joined = b.ok("mesh", "join", token).out();
        assertTrue(joined.contains("through relay:" + a.nodeId + " via ws://127.0.0.1:" + relayPort), joined);
        a.awaitMember(b.nodeId, m -> MeshFixtures.backendCapabilities(m) > 0 && m.path("state").asText().equals("alive"), "bravo's backend");
        b.awaitMember(a.nodeId, m -> MeshFixtures.backendCapabilities(m) > 0 && m.path("state").asText().equals("alive"), "alpha's backend");
        String toBravo = "{\"model\":\"gemma2:2b\",\"messages\":[{\"role\":\"user\",\"content\":\"why is the sky blue?\"}]}";
        String toAlpha = "{\"model\":\"mistral:7b\",\"messages\":[{\"role\":\"user\",\"content\":\"and the sea?\"}]}";
        HttpResponse<String> r = post(a, "/v1/chat/completions", toBravo);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(b.nodeId, r.headers().firstValue("x-atmosphere-node").orElseThrow(), "alpha is served by bravo's model");
        HttpResponse<String> back = post(b, "/v1/chat/completions", toAlpha);
        assertEquals(200, back.statusCode(), back.body());
        assertEquals(a.nodeId, back.headers().firstValue("x-atmosphere-node").orElseThrow(), "bravo is served by alpha's model");
        a.awaitMember(b.nodeId, m -> m.path("transport").asText().equals("relay"), "bravo reached through the relay");
        b.awaitMember(a.nodeId, m -> m.path("transport").asText().equals("relay"), "alpha reached through the relay");
        String members = b.ok("mesh", "members").out();
        assertTrue(members.contains("relay"), members);
        String network = b.ok("network").out();
        assertTrue(network.contains("ws://127.0.0.1:" + relayPort) && network.contains("admitted"), network);
        JsonNode stats = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + relayPort + "/stats")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertTrue(stats.path("forwarded").asLong() > 0 && stats.path("members").asInt() == 2 && stats.path("joinsAdmitted").asLong() == 1,
                stats.toString());

        // the relay process dies and comes back: the members reconnect and serve again, untouched
        relay.destroyForcibly();
        relay.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        a.awaitMember(b.nodeId, m -> !m.path("state").asText().equals("alive"), "bravo unreachable without the relay");
        nodes.relay(relayPort);
        a.awaitMember(b.nodeId, m -> MeshFixtures.backendCapabilities(m) > 0 && m.path("state").asText().equals("alive"), "bravo back through the new relay");
        HttpResponse<String> again = post(a, "/v1/chat/completions", toBravo);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(b.nodeId, again.headers().firstValue("x-atmosphere-node").orElseThrow());
    }

    private static final int CHUNK = 1 << 20;

    @Test
    void aModelFileCopiesBetweenProcessesAndResumesAfterTheReceiverIsKilled() throws Exception {
        Path shared = Files.createDirectories(work.resolve("shared"));
        byte[] content = new byte[64 * CHUNK + 4321];
        new Random(11).nextBytes(content);
        Files.write(shared.resolve("big.gguf"), content);
        // probes at the default pace: with two members there is nobody to probe indirectly, and 0.2 s probes let a
        // busy moment of the copy (two cores, both ends hashing) pass for a death
        NodeDir a = nodes.new NodeDir("alpha", "models:\n  shared-dirs: [\"" + shared + "\"]\n", "PT1S");
        // paced so that the copy is still running when it is interrupted
        NodeDir b = nodes.new NodeDir("bravo", "models:\n  max-transfer-rate: 16MB\n", "PT1S");
        a.serve();
        b.serve();
        a.ok("mesh", "create", "-n", "home");
        b.ok("mesh", "join", JSON.readTree(a.ok("mesh", "invite", "--json").out()).path("token").asText());
        b.awaitMember(a.nodeId, m -> m.path("state").asText().equals("alive"), "alpha alive");

        // the receiver is killed -9 once the copy passed 40 %
        admin(b, "POST", "/api/v1/models/pull", "{\"name\":\"big.gguf\",\"from\":\"" + a.nodeId + "\"}");
        long end = System.nanoTime() + WAIT.toNanos();
        long bytesAtKill = -1;
        while (System.nanoTime() < end) {
            JsonNode st = admin(b, "GET", "/api/v1/models/pull", "");
            assertEquals("running", st.path("state").asText(), st.toString());
            if (st.path("percent").asInt() >= 40) {
                bytesAtKill = st.path("bytes").asLong();
                b.serving.destroyForcibly();
                b.serving.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
                break;
            }
            Thread.sleep(50);
        }
        assertTrue(bytesAtKill >= content.length * 4L / 10, "the pull passed 40 % before the kill: " + bytesAtKill);
        Path part = b.data.resolve("models").resolve("big.gguf.part");
        assertTrue(Files.exists(part), "the partial copy is kept");
        // and it is damaged in a chunk it already had
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, 777);
            one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
            ch.write(one, 777);
        }
        long servedBefore = admin(a, "GET", "/api/v1/mesh/stats", "").path("files").path("servedBytes").asLong();

        b.serve();
        b.awaitMember(a.nodeId, m -> m.path("state").asText().equals("alive"), "alpha alive after the restart");
        Result resumed = b.ok("model", "pull", "big.gguf", "--from", a.nodeId);
        assertTrue(resumed.out().contains("resumed"), resumed.out());
        assertTrue(resumed.out().contains("100%"), "a progress bar to the end: " + resumed.out());
        long servedForResume = admin(a, "GET", "/api/v1/mesh/stats", "").path("files").path("servedBytes").asLong() - servedBefore;
        long remainder = content.length - bytesAtKill;
        assertTrue(servedForResume <= remainder + CHUNK, "the resume fetched " + servedForResume + " bytes; the remainder was "
                + remainder + " plus at most one chunk (the damaged one)");
        assertTrue(servedForResume >= CHUNK, "the damaged chunk travelled again: " + servedForResume);
        assertTrue(Arrays.equals(content, Files.readAllBytes(b.data.resolve("models").resolve("big.gguf"))), "byte-identical");

        // a file outside what alpha shares is refused, and the CLI says so
        Result refused = b.run("model", "pull", "../alpha/config.yaml", "--from", a.nodeId);
        assertTrue(refused.code() != 0, refused.out());
        assertTrue((refused.out() + refused.err()).contains("not shared"), refused.out() + refused.err());
    }

    @Test
    void toolsAndAgentsWorkAcrossProcessesWithGrantsAndTimeouts() throws Exception {
        FakeOpenAi model = new FakeOpenAi();
        closing.add(model);
        FakeOpenAi slow = new FakeOpenAi();
        closing.add(slow);
        slow.firstByteDelayMs = 8000;
        // a model only alpha's slow backend serves: the llm tool cannot be routed to bravo's fast one
        slow.models = List.of("slow-only-at-alpha");
        // alpha offers system_info and llm to members, with llm cut short; bravo runs the agent
        NodeDir a = nodes.new NodeDir("alpha", """
                backends:
                  - type: openai
                    url: %s/v1
                tools:
                  grants:
                    mesh: ["llm:*", "system:read"]
                  timeouts:
                    llm: 1s
                """.formatted(slow.url()));
        NodeDir b = nodes.new NodeDir("bravo", """
                backends:
                  - type: openai
                    url: %s/v1
                tools:
                  disabled: [system_info]
                """.formatted(model.url()));
        NodeDir c = nodes.new NodeDir("charlie", "");
        a.serve();
        b.serve();
        c.serve();
        a.ok("mesh", "create", "-n", "home");
        JsonNode invite = JSON.readTree(a.ok("mesh", "invite", "--uses", "2", "--json").out());
        // charlie is on the same network: the short code is enough (alpha found over mDNS). Charlie joins
        // first: a joiner asks the first mesh node it hears, and once bravo is a member it could be bravo,
        // which does not know alpha's codes (a known limit, noted for the LAN join)
        Result byCode = c.ok("mesh", "join", invite.path("code").asText());
        assertTrue(byCode.out().contains("Joined"), byCode.out());
        b.ok("mesh", "join", invite.path("token").asText());
        b.awaitMember(a.nodeId, m -> m.path("capabilities").toString().contains("tool/system_info"), "alpha's tools");

        // a member's tool: allowed for llm, which then times out; denied where no grant covers it
        Result timedOut = b.run("tool", "run", "llm", "--node", a.nodeId, "--param", "prompt=hello", "--param", "model=slow-only-at-alpha");
        assertTrue(timedOut.code() != 0, timedOut.out());
        assertTrue(timedOut.err().contains("did not finish within PT1S"), timedOut.err());
        Result denied = b.run("tool", "run", "notify", "--node", a.nodeId, "--param", "message=hi");
        assertTrue(denied.code() != 0, denied.out());
        assertTrue(denied.err().contains("needs the permission notify:send"), denied.err());
        Result deniedAtC = c.run("tool", "run", "health", "--node", b.nodeId);
        assertTrue(deniedAtC.code() != 0 && deniedAtC.err().contains("permission system:read"), "bravo grants members nothing: " + deniedAtC.err());
        // routed: bravo has no system_info of its own, so alpha's runs
        JsonNode info = JSON.readTree(b.ok("tool", "run", "system_info").out());
        assertEquals(a.nodeId, info.path("nodeId").asText());

        // an agent on bravo calls a tool here and one on alpha, then answers
        Path spec = work.resolve("inspector.yaml");
        Files.writeString(spec, """
                agent:
                  id: inspector_agent
                  version: "1.0"
                  type: inspector
                  description: Inspects a machine of the mesh.
                  tools:
                    required: [echo, system_info]
                  instructions: Check the tools answer, then describe the machine.
                """);
        assertTrue(b.ok("agent", "add", spec.toString()).out().contains("inspector"));
        model.script = body -> {
            long tools = 0;
            for (JsonNode m : body.path("messages")) {
                tools += m.path("role").asText().equals("tool") ? 1 : 0;
            }
            return switch ((int) tools) {
                case 0 -> FakeOpenAi.Turn.call("echo", "{\"message\":\"ping\"}");
                case 1 -> FakeOpenAi.Turn.call("system_info", "{}");
                default -> FakeOpenAi.Turn.say("machine " + (body.toString().contains(a.nodeId) ? "alpha" : "unknown") + " checked");
            };
        };
        Result answer = b.ok("agent", "spawn", "inspector", "--intent", "check the machine");
        assertTrue(answer.out().contains("machine alpha checked"), answer.out());
        assertTrue(answer.out().contains("3 steps"), answer.out());
        String listed = b.ok("agent", "list").out();
        assertTrue(listed.contains("inspector-"), listed);

        // the agent comes back asleep after a restart of bravo
        b.serving.destroy();
        b.serving.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        b.serve();
        assertTrue(b.ok("agent", "list").out().contains("sleeping"), "restored asleep");
        // a malformed spec names its file and line; the node keeps serving
        Files.writeString(work.resolve("broken.yaml"), "agent:\n  id: x\n  type: [oops\n");
        Result broken = b.run("agent", "add", work.resolve("broken.yaml").toString());
        assertTrue(broken.code() != 0 && broken.err().contains("broken.yaml:"), broken.err());
        assertEquals(0, b.run("status").code());
    }
}
