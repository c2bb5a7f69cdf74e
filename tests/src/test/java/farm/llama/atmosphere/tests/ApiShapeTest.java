package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.shell.Cli;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The field names and JSON types of every endpoint in the README's HTTP table and of every
 * {@code --json} command, against the golden shapes in {@code api-shapes.json} (recorded from the
 * node before its API became typed records). A renamed, dropped or retyped field fails here.
 *
 * <p>Re-record after an intended change with {@code -Dapi.shapes.record=true} and review the diff.
 */
class ApiShapeTest {

    private static final Path GOLDEN = Path.of("src/test/resources/api-shapes.json");

    /** Objects whose keys are data, not field names: counters by reason, nodes by id. */
    private static final Set<String> DATA_KEYED = Set.of(
            "messages", "links", "statements", "joins", "files", "sealed", "websocket",
            "nodes", "counts", "mesh.models", "byReason", "refused", "params", "args", "payload",
            "properties", "parameters.properties", "schema.properties", "default_params", "defaultParams",
            "peers", "factors", "roles.retired", "[].params", "[].counts", "triggers.[].counts", "agents.[].params");

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();
    private final Map<String, JsonNode> shapes = new LinkedHashMap<>();


    private NodeHarness node(String name, String extra) throws Exception {
        NodeHarness n = new NodeHarness(dir.resolve(name), MeshTest.meshConfig(MeshTest.freePort(), extra));
        open.add(n);
        return n;
    }

    private JsonNode record(String what, HttpResponse<String> r) throws Exception {
        assertTrue(r.statusCode() < 300 || what.startsWith("error"), what + " answered " + r.statusCode() + ": " + r.body());
        JsonNode body = NodeHarness.json(r.body());
        shapes.put(what, JsonShapes.of(body, DATA_KEYED));
        return body;
    }

    private JsonNode get(NodeHarness n, String path) throws Exception {
        return record("GET " + path, n.get(path));
    }

    private JsonNode post(NodeHarness n, String path, String body) throws Exception {
        return record("POST " + path.replaceAll("[0-9a-f]{16}", "{nodeId}"), n.postAdmin(path, body));
    }

    /** Runs a command of the CLI against the node serving {@code n}'s data dir and records its {@code --json} output. */
    private JsonNode cli(NodeHarness n, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Cli.run(args, new ByteArrayInputStream(new byte[0]), out, err, Map.of("ATMOSPHERE_DATA_DIR", n.data.path().toString()));
        assertEquals(0, code, String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8));
        JsonNode body = NodeHarness.json(out.toString(StandardCharsets.UTF_8));
        shapes.put("atmosphere " + String.join(" ", args).replaceAll("[0-9a-f]{16}", "{nodeId}"), JsonShapes.of(body, DATA_KEYED));
        return body;
    }

    private static String awaitState(NodeHarness n, String path, String notState) throws Exception {
        return n.await(path, s -> !notState.equals(s.path("state").asText())).path("state").asText();
    }

    @Test
    void everyEndpointAndJsonCommandKeepsItsFieldNamesAndTypes() throws Exception {
        FakeOllama ollama = new FakeOllama();
        open.add(ollama);
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.write(shared.resolve("tiny.gguf"), new byte[3000]);
        NodeHarness a = node("a", """
                  approval: auto
                models:
                  dir: "%s"
                triggers:
                  meter:
                    reading:
                      intent: "Power reading {watts} W"
                      route: agent/echo
                  door:
                    open:
                      intent: "The {side} door opened"
                      route: agent/echo
                backends:
                  - type: ollama
                    url: %s
                """.formatted(dir.resolve("models"), ollama.url()));
        NodeHarness b = node("b", """
                models:
                  shared-dirs: ["%s"]
                tools:
                  grants:
                    mesh: ["system:read", "models:deploy"]
                """.formatted(shared));
        NodeHarness c = node("c", "");
        String aId = a.node.status().nodeId();
        String bId = b.node.status().nodeId();
        String cId = c.node.status().nodeId();

        get(a, "/health");
        shapes.put("GET /api/v1/mesh (no mesh)", JsonShapes.of(NodeHarness.json(a.get("/api/v1/mesh").body()), DATA_KEYED));
        post(a, "/api/v1/mesh/create", "{\"name\":\"home\"}");
        a.await("/api/v1/mesh", m -> m.path("running").asBoolean());
        JsonNode invite = post(a, "/api/v1/mesh/invites", "{\"ttl\":\"PT5M\",\"uses\":1}");
        post(b, "/api/v1/mesh/join", "{\"target\":\"" + invite.path("token").asText() + "\"}");
        assertEquals("joined", awaitState(b, "/api/v1/mesh/join", "joining"));
        get(b, "/api/v1/mesh/join");
        a.await("/api/v1/mesh/members", m -> {
            for (JsonNode member : m.path("members")) {
                if (member.path("nodeId").asText().equals(bId)) {
                    return member.path("state").asText().equals("alive") && member.has("rttMs")
                            && MeshTest.backendCapabilities(member) == 0 && member.path("capabilities").size() > 0;
                }
            }
            return false;
        });
        b.await("/api/v1/mesh/members", m -> {
            for (JsonNode member : m.path("members")) {
                if (member.path("nodeId").asText().equals(aId)) {
                    return member.path("state").asText().equals("alive") && MeshTest.backendCapabilities(member) > 0;
                }
            }
            return false;
        });

        // C asks by address: it waits for the owner, who says no
        String endpoint = NodeHarness.json(a.get("/api/v1/mesh").body()).path("endpoints").get(0).asText().substring("wss://".length());
        post(c, "/api/v1/mesh/join", "{\"target\":\"" + endpoint + "\"}");
        assertEquals("pending", awaitState(c, "/api/v1/mesh/join", "joining"));
        a.await("/api/v1/mesh/joins", p -> p.path("pending").size() == 1);
        get(a, "/api/v1/mesh/joins");
        cli(a, "approve", "--json");
        post(a, "/api/v1/mesh/joins/" + cId + "/deny", "{}");
        assertEquals("failed", awaitState(c, "/api/v1/mesh/join", "pending"));

        // what a node shows
        a.await("/api/v1/backends", x -> x.path("backends").size() > 0 && x.path("backends").get(0).path("state").asText().equals("up"));
        get(a, "/api/v1/status");
        get(a, "/api/v1/plugins");
        get(a, "/api/v1/tools");
        get(a, "/api/v1/tools/echo");
        post(a, "/api/v1/tools/echo/run", "{\"message\":\"hi\"}");
        post(a, "/api/v1/tools/system_info/run?node=" + bId, "{}");
        get(a, "/api/v1/backends");
        post(a, "/api/v1/scan", "{}");
        a.await("/api/v1/nearby", x -> x.path("nodes").toString().contains(bId)); // B advertises its mesh over mDNS
        get(a, "/api/v1/nearby");
        get(a, "/api/v1/network");
        get(a, "/api/v1/capabilities");
        post(a, "/api/v1/route", "{\"intent\":\"Write a Python function that sorts a list\"}");
        post(a, "/api/v1/route", "{\"intent\":\"hello\",\"model\":\"llama3.2:latest\"}");
        post(a, "/api/v1/route/feedback", "{\"intent\":\"the gizmo wobbles sideways\",\"task\":\"code\"}");
        get(a, "/api/v1/cost");
        get(a, "/api/v1/mesh");
        get(a, "/api/v1/mesh/members");
        get(a, "/api/v1/mesh/stats");
        get(a, "/api/v1/policy");
        // the admin's settings: API keys (the new key's secret only in the answer that made it) and the configuration in effect
        post(a, "/api/v1/keys", "{\"name\":\"shape\",\"scope\":\"openai\"}");
        record("GET /api/v1/keys", a.getAdmin("/api/v1/keys"));
        record("GET /api/v1/config", a.getAdmin("/api/v1/config"));
        record("error (400, invalid tool parameters)", a.postAdmin("/api/v1/tools/echo/run", "{\"message\":5}"));
        get(a, "/api/v1/models");
        get(a, "/api/v1/models?mesh=true");
        JsonNode listed = get(a, "/v1/models");
        String modelId = listed.path("data").get(1).path("id").asText();
        record("GET /v1/models/{id}", a.get("/v1/models/" + modelId));
        record("error (404)", a.get("/api/v1/tools/no-such-tool"));

        // agents and triggers
        get(a, "/api/v1/agents/types");
        ObjectNode spec = FakeBackend.JSON.createObjectNode();
        spec.put("fileName", "inspector.yaml");
        spec.put("yaml", AgentMeshTest.INSPECTOR);
        post(a, "/api/v1/agents/types", spec.toString());
        JsonNode spawned = post(a, "/api/v1/agents", "{\"type\":\"echo\",\"intent\":\"hello there\"}");
        String agentId = spawned.path("id").asText();
        post(a, "/api/v1/agents/" + agentId + "/invoke", "{\"intent\":\"again\"}");
        shapes.put("POST /api/v1/agents/{id}/invoke", shapes.remove("POST /api/v1/agents/" + agentId + "/invoke"));
        post(a, "/api/v1/agents/ask", "{\"intent\":\"echo this text back\",\"route\":\"agent/echo\"}");
        get(a, "/api/v1/agents");
        cli(a, "agent", "list", "--json");
        post(a, "/api/v1/agents/" + agentId + "/stop", "{}");
        shapes.put("POST /api/v1/agents/{id}/stop", shapes.remove("POST /api/v1/agents/" + agentId + "/stop"));
        post(a, "/api/v1/triggers/meter/reading?wait=true", "{\"watts\":1200}");
        get(a, "/api/v1/triggers");

        // models across the mesh
        post(a, "/api/v1/models/deploy", "{\"model\":\"tinyllama\",\"to\":[\"" + aId + "\"]}");
        assertEquals("done", awaitState(a, "/api/v1/models/deploy", "running"));
        get(a, "/api/v1/models/deploy");
        post(a, "/api/v1/models/pull", "{\"name\":\"tiny.gguf\",\"from\":\"" + bId + "\"}");
        assertEquals("done", awaitState(a, "/api/v1/models/pull", "running"));
        get(a, "/api/v1/models/pull");

        // the CLI's --json documents
        cli(a, "status", "--json");
        cli(a, "plugin", "list", "--json");
        cli(a, "tool", "list", "--json");
        cli(a, "tool", "info", "echo", "--json");
        cli(a, "backends", "--json");
        cli(a, "network", "--json");
        cli(a, "cost", "--json");
        cli(a, "route", "--json", "Write a Python function that sorts a list");
        cli(a, "mesh", "status", "--json");
        cli(a, "mesh", "members", "--json");
        cli(a, "policy", "show", "--json");
        cli(a, "model", "list", "--json");
        cli(a, "model", "list", "--mesh", "--json");
        cli(a, "model", "pull", "--status", "--json");
        cli(a, "agent", "types", "--json");
        cli(a, "trigger", "list", "--json");
        cli(a, "scan", "--json");
        cli(a, "mesh", "invite", "--ttl", "5m", "--json");
        String cliAgent = cli(a, "agent", "spawn", "echo", "-i", "hello", "--json").path("id").asText();
        cli(a, "agent", "invoke", cliAgent, "again", "--json");
        shapes.put("atmosphere agent invoke {id} again --json", shapes.remove("atmosphere agent invoke " + cliAgent + " again --json"));
        cli(a, "agent", "ask", "echo this text back", "--route", "agent/echo", "--json");
        cli(a, "trigger", "fire", "door", "open", "-p", "{\"side\":\"front\"}", "--wait", "--json");
        cli(a, "model", "deploy", "tinyllama", "--to", aId, "--json");
        cli(a, "route", "feedback", "the gizmo wobbles sideways", "--task", "code", "--json");

        // roles, leaving, revocation
        post(a, "/api/v1/mesh/admins", "{\"nodeId\":\"" + bId + "\"}");
        post(a, "/api/v1/mesh/admins", "{\"nodeId\":\"" + bId + "\",\"remove\":true}");
        shapes.put("POST /api/v1/mesh/admins (remove)", shapes.remove("POST /api/v1/mesh/admins"));
        post(a, "/api/v1/mesh/admins", "{\"nodeId\":\"" + bId + "\"}");
        post(a, "/api/v1/mesh/revoke", "{\"nodeId\":\"" + bId + "\",\"confirm\":true}");
        post(c, "/api/v1/mesh/create", "{\"name\":\"other\"}");
        c.await("/api/v1/mesh", m -> m.path("running").asBoolean());
        post(c, "/api/v1/mesh/leave", "{}");

        check();
    }

    private void check() throws Exception {
        ObjectNode actual = NodeHarness.json("{}").deepCopy();
        shapes.forEach(actual::set);
        if (Boolean.getBoolean("api.shapes.record")) {
            Files.writeString(GOLDEN, FakeBackend.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(actual) + "\n");
            return;
        }
        JsonNode golden = NodeHarness.json(Files.readString(GOLDEN));
        List<String> problems = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        golden.fieldNames().forEachRemaining(names::add);
        names.addAll(shapes.keySet());
        for (String name : names) {
            diff(name, golden.path(name), actual.path(name), problems);
        }
        assertTrue(problems.isEmpty(), "the API's shape changed (re-record with -Dapi.shapes.record=true only if intended):\n"
                + String.join("\n", problems));
    }

    private static void diff(String where, JsonNode golden, JsonNode actual, List<String> problems) {
        if (golden.isMissingNode() || actual.isMissingNode()) {
            problems.add(where + (golden.isMissingNode() ? ": new, not in the golden shapes" : ": gone"));
        } else if (golden.isObject() && actual.isObject()) {
            Set<String> keys = new TreeSet<>();
            golden.fieldNames().forEachRemaining(keys::add);
            for (Iterator<String> it = actual.fieldNames(); it.hasNext(); ) {
                keys.add(it.next());
            }
            for (String k : keys) {
                diff(where + "." + k, golden.path(k), actual.path(k), problems);
            }
        } else if (golden.isArray() && actual.isArray() && golden.size() == actual.size()) {
            for (int i = 0; i < golden.size(); i++) {
                diff(where + "[]", golden.get(i), actual.get(i), problems);
            }
        } else if (!golden.equals(actual)) {
            problems.add(where + ": was " + golden + ", now " + actual);
        }
    }
}
