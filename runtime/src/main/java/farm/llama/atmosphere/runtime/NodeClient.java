package farm.llama.atmosphere.runtime;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.api.AdminChange;
import farm.llama.atmosphere.runtime.api.AgentAnswer;
import farm.llama.atmosphere.runtime.api.AgentReport;
import farm.llama.atmosphere.runtime.api.AgentTypeReport;
import farm.llama.atmosphere.runtime.api.AgentTypes;
import farm.llama.atmosphere.runtime.api.BackendReport;
import farm.llama.atmosphere.runtime.api.CostReport;
import farm.llama.atmosphere.runtime.api.DeployStatus;
import farm.llama.atmosphere.runtime.api.Invite;
import farm.llama.atmosphere.runtime.api.JoinDecision;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.api.MeshLeft;
import farm.llama.atmosphere.runtime.api.MeshMember;
import farm.llama.atmosphere.runtime.api.MeshMembership;
import farm.llama.atmosphere.runtime.api.MeshReport;
import farm.llama.atmosphere.runtime.api.ModelEntry;
import farm.llama.atmosphere.runtime.api.NearbyNode;
import farm.llama.atmosphere.runtime.api.NetworkReport;
import farm.llama.atmosphere.runtime.api.PendingJoin;
import farm.llama.atmosphere.runtime.api.PluginReport;
import farm.llama.atmosphere.runtime.api.PolicyReport;
import farm.llama.atmosphere.runtime.api.PullStatus;
import farm.llama.atmosphere.runtime.api.RevocationReport;
import farm.llama.atmosphere.runtime.api.StatusReport;
import farm.llama.atmosphere.runtime.api.ToolReport;
import farm.llama.atmosphere.runtime.api.TriggerFired;
import farm.llama.atmosphere.runtime.api.TriggerReport;
import farm.llama.atmosphere.runtime.identity.AdminToken;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Talks to the node serving a data dir, over its HTTP API, with the admin token from the data
 * dir. Used by the CLI whenever a node is serving, so tools run inside it.
 */
public final class NodeClient implements NodeApi {

    private final URI base;
    private final Optional<AdminToken> token;
    private final Path tokenFile;
    private final HttpClient http;

    private NodeClient(URI base, Optional<AdminToken> token, Path tokenFile) {
        this.base = base;
        this.token = token;
        this.tokenFile = tokenFile;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    /**
     * @param dataDir a data dir
     * @return a client for the node serving it, if one is (see {@link NodeFinder#health}: only this
     *         data dir's node, holding its lock and answering with its node id, is sent the admin token)
     */
    public static Optional<NodeClient> connect(DataDir dataDir) {
        NodeFinder.Health h = NodeFinder.health(dataDir);
        return h.serving() ? Optional.of(new NodeClient(h.address().orElseThrow(), AdminToken.load(dataDir.adminTokenFile()), dataDir.adminTokenFile()))
                : Optional.empty();
    }

    /** @return the node's API base address */
    public URI base() {
        return base;
    }

    /**
     * Asks the node to stop, as SIGTERM would (the only way on Windows); it answers first, then stops.
     *
     * @throws CallFailedException if it refused (only the admin token may) or did not answer
     */
    public void stop() {
        call("POST", "/api/v1/node/stop", "{}");
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(5));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t.secret()));
        return b;
    }

    private JsonNode call(String method, String path, String body) {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json");
        b = method.equals("GET") ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CallFailedException(FailureKind.UNREACHABLE, "The node at " + base + " stopped answering.", e);
        } catch (HttpTimeoutException e) {
            throw new CallFailedException(FailureKind.TIMEOUT, "The node at " + base + " did not answer in time.", e);
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.UNREACHABLE, "Cannot talk to the node at " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.CANCELLED, "Interrupted");
        }
        JsonNode json;
        try {
            json = Json.parse(r.body());
        } catch (IllegalArgumentException e) {
            throw new CallFailedException(FailureKind.BAD_RESPONSE, "The node answered " + r.statusCode() + " with a body that is not JSON.");
        }
        if (r.statusCode() >= 400) {
            JsonNode err = json.path("error");
            String message = err.path("message").asText("HTTP " + r.statusCode());
            if (r.statusCode() == 401 && token.isEmpty()) {
                boolean system = tokenFile.startsWith(DataDir.SYSTEM);
                message = "This changes the node's state, which needs its admin token (" + tokenFile + "), and this user cannot read it. "
                        + (system ? "Members of the group 'atmosphere' can: 'sudo usermod -aG atmosphere $USER', then log in again."
                                : "Run it as the user that owns " + tokenFile.getParent() + ".");
            }
            FailureKind kind = kindOf(err.path("code").asText(""), r.statusCode());
            throw new CallFailedException(kind, message);
        }
        return json;
    }

    private static FailureKind kindOf(String code, int status) {
        try {
            return FailureKind.valueOf(code.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return switch (status) {
                case 400 -> FailureKind.INVALID_REQUEST;
                case 401, 403 -> FailureKind.REFUSED;
                case 404 -> FailureKind.NOT_FOUND;
                case 429, 503 -> FailureKind.OVERLOADED;
                case 504 -> FailureKind.TIMEOUT;
                default -> FailureKind.INTERNAL;
            };
        }
    }

    private static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static <T> T as(JsonNode node, TypeReference<T> type) {
        try {
            return Json.MAPPER.convertValue(node, type);
        } catch (IllegalArgumentException e) {
            throw new AtmosphereException("The node's answer has an unexpected shape: " + e.getMessage(), e);
        }
    }

    @Override
    public StatusReport status() {
        return as(call("GET", "/api/v1/status", ""), new TypeReference<>() { });
    }

    @Override
    public List<PluginReport> plugins() {
        return as(call("GET", "/api/v1/plugins", "").path("plugins"), new TypeReference<>() { });
    }

    @Override
    public PluginReport enablePlugin(String id) {
        return as(call("POST", "/api/v1/plugins/" + seg(id) + "/enable", "{}"), new TypeReference<>() { });
    }

    @Override
    public PluginReport disablePlugin(String id) {
        return as(call("POST", "/api/v1/plugins/" + seg(id) + "/disable", "{}"), new TypeReference<>() { });
    }

    @Override
    public List<PluginReport> reloadPlugins(Optional<String> id) {
        String path = id.map(i -> "/api/v1/plugins/" + seg(i) + "/reload").orElse("/api/v1/plugins/reload");
        return as(call("POST", path, "{}").path("plugins"), new TypeReference<>() { });
    }

    @Override
    public List<ToolReport> tools() {
        return as(call("GET", "/api/v1/tools", "").path("tools"), new TypeReference<>() { });
    }

    @Override
    public ToolReport tool(String name) {
        return as(call("GET", "/api/v1/tools/" + seg(name), ""), new TypeReference<>() { });
    }

    @Override
    public String runTool(String name, String argumentsJson) {
        return Json.write(call("POST", "/api/v1/tools/" + seg(name) + "/run", argumentsJson).path("result"));
    }

    @Override
    public List<BackendReport> backends() {
        return as(call("GET", "/api/v1/backends", "").path("backends"), new TypeReference<>() { });
    }

    @Override
    public List<BackendReport> scan() {
        return as(call("POST", "/api/v1/scan", "{}").path("backends"), new TypeReference<>() { });
    }

    @Override
    public List<Capability> capabilities() {
        return as(call("GET", "/api/v1/capabilities", "").path("capabilities"), new TypeReference<>() { });
    }

    @Override
    public RouteDecision route(String intent, Optional<String> model, boolean vision) {
        var body = Json.MAPPER.createObjectNode();
        body.put("intent", intent);
        model.ifPresent(m -> body.put("model", m));
        body.put("vision", vision);
        return as(call("POST", "/api/v1/route", body.toString()), new TypeReference<>() { });
    }

    @Override
    public farm.llama.atmosphere.runtime.RouteFeedback routeFeedback(String intent, String task) {
        return as(call("POST", "/api/v1/route/feedback", body(Map.of("intent", intent, "task", task))), new TypeReference<>() { });
    }

    @Override
    public CostReport cost() {
        return as(call("GET", "/api/v1/cost", ""), new TypeReference<>() { });
    }

    @Override
    public MeshReport mesh() {
        return as(call("GET", "/api/v1/mesh", ""), new TypeReference<>() { });
    }

    private static String body(Object o) {
        return Json.write(o);
    }

    @Override
    public MeshMembership meshCreate(String name) {
        return as(call("POST", "/api/v1/mesh/create", body(Map.of("name", name))), new TypeReference<>() { });
    }

    @Override
    public Invite meshInvite(Duration ttl, int uses) {
        return as(call("POST", "/api/v1/mesh/invites", body(Map.of("ttl", ttl.toString(), "uses", uses))), new TypeReference<>() { });
    }

    /**
     * @return a single-use code that signs a browser in to the dashboard with the admin token's rights
     * @throws CallFailedException when this user cannot read the admin token, or the node refuses
     */
    public farm.llama.atmosphere.runtime.api.UiLogin uiLoginCode() {
        return as(call("POST", "/api/v1/ui/codes", "{}"), new TypeReference<>() { });
    }

    @Override
    public JoinStatus meshJoin(String target) {
        return as(call("POST", "/api/v1/mesh/join", body(Map.of("target", target))), new TypeReference<>() { });
    }

    @Override
    public JoinStatus meshJoinStatus() {
        return as(call("GET", "/api/v1/mesh/join", ""), new TypeReference<>() { });
    }

    @Override
    public List<MeshMember> meshMembers() {
        return as(call("GET", "/api/v1/mesh/members", "").path("members"), new TypeReference<>() { });
    }

    @Override
    public Map<String, Map<String, Long>> meshStats() {
        return as(call("GET", "/api/v1/mesh/stats", ""), new TypeReference<>() { });
    }

    @Override
    public List<PendingJoin> meshPending() {
        return as(call("GET", "/api/v1/mesh/joins", "").path("pending"), new TypeReference<>() { });
    }

    @Override
    public JoinDecision meshDecide(String nodeId, boolean deny) {
        return as(call("POST", "/api/v1/mesh/joins/" + seg(nodeId) + (deny ? "/deny" : "/approve"), "{}"), new TypeReference<>() { });
    }

    @Override
    public RevocationReport meshRevoke(String nodeId, boolean confirm) {
        return as(call("POST", "/api/v1/mesh/revoke", body(Map.of("nodeId", nodeId, "confirm", confirm))), new TypeReference<>() { });
    }

    @Override
    public AdminChange meshAdmin(String nodeId, boolean remove) {
        return as(call("POST", "/api/v1/mesh/admins", body(Map.of("nodeId", nodeId, "remove", remove))), new TypeReference<>() { });
    }

    @Override
    public List<ModelEntry> models(boolean mesh) {
        return as(call("GET", "/api/v1/models" + (mesh ? "?mesh=true" : ""), "").path("models"), new TypeReference<>() { });
    }

    @Override
    public String runToolOn(String nodeId, String name, String argumentsJson) {
        return Json.write(call("POST", "/api/v1/tools/" + seg(name) + "/run?node=" + seg(nodeId), argumentsJson).path("result"));
    }

    @Override
    public DeployStatus modelDeploy(String model, List<String> targets, boolean all) {
        return as(call("POST", "/api/v1/models/deploy", body(Map.of("model", model, "to", targets, "all", all))),
                new TypeReference<>() { });
    }

    @Override
    public DeployStatus modelDeployStatus() {
        return as(call("GET", "/api/v1/models/deploy", ""), new TypeReference<>() { });
    }

    @Override
    public PolicyReport policy() {
        return as(call("GET", "/api/v1/policy", ""), new TypeReference<>() { });
    }

    @Override
    public MeshLeft meshLeave() {
        return as(call("POST", "/api/v1/mesh/leave", "{}"), new TypeReference<>() { });
    }

    @Override
    public String chat(String requestJson, Consumer<String> onText) {
        var body = (ObjectNode) Json.parse(requestJson);
        body.put("stream", true);
        HttpRequest req = request("/v1/chat/completions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        HttpResponse<Stream<String>> r = sendForLines(req);
        try (Stream<String> lines = r.body()) {
            if (r.statusCode() >= 400) {
                JsonNode err = Json.parse(String.join("\n", lines.toList())).path("error");
                throw new CallFailedException(kindOf(err.path("code").asText(""), r.statusCode()), err.path("message").asText("HTTP " + r.statusCode()));
            }
            for (String line : (Iterable<String>) lines::iterator) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                String data = line.substring(5).trim();
                if (data.equals("[DONE]")) {
                    break;
                }
                JsonNode chunk = Json.parse(data);
                if (chunk.has("error")) {
                    throw new CallFailedException(FailureKind.BAD_RESPONSE, chunk.path("error").path("message").asText());
                }
                for (JsonNode choice : chunk.path("choices")) {
                    String text = choice.path("delta").path("content").asText("");
                    if (!text.isEmpty()) {
                        onText.accept(text);
                    }
                }
            }
        }
        return r.headers().firstValue("x-atmosphere-route").orElse("");
    }

    @Override
    public AgentTypes agentTypes() {
        return as(call("GET", "/api/v1/agents/types", ""), new TypeReference<>() { });
    }

    @Override
    public AgentTypeReport agentAdd(String fileName, String yaml) {
        return as(call("POST", "/api/v1/agents/types", body(Map.of("fileName", fileName, "yaml", yaml))), new TypeReference<>() { });
    }

    @Override
    public List<AgentReport> agents() {
        return as(call("GET", "/api/v1/agents", "").path("agents"), new TypeReference<>() { });
    }

    @Override
    public AgentReport agentSpawn(String type, JsonText params, Optional<String> intent) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("type", type);
        b.put("params", params);
        intent.ifPresent(i -> b.put("intent", i));
        return as(call("POST", "/api/v1/agents", body(b)), new TypeReference<>() { });
    }

    @Override
    public AgentAnswer agentInvoke(String id, String intent, JsonText args) {
        return as(call("POST", "/api/v1/agents/" + seg(id) + "/invoke", body(Map.of("intent", intent, "args", args))),
                new TypeReference<>() { });
    }

    @Override
    public AgentReport agentStop(String id) {
        return as(call("POST", "/api/v1/agents/" + seg(id) + "/stop", "{}"), new TypeReference<>() { });
    }

    @Override
    public AgentAnswer agentAsk(String intent, String route, JsonText args) {
        return as(call("POST", "/api/v1/agents/ask", body(Map.of("intent", intent, "route", route, "args", args))),
                new TypeReference<>() { });
    }

    @Override
    public List<TriggerReport> triggers() {
        return as(call("GET", "/api/v1/triggers", "").path("triggers"), new TypeReference<>() { });
    }

    @Override
    public TriggerFired fireTrigger(String capability, String event, JsonText payload, boolean wait) {
        return as(call("POST", "/api/v1/triggers/" + seg(capability) + "/" + seg(event) + (wait ? "?wait=true" : ""), payload.json()),
                new TypeReference<>() { });
    }

    @Override
    public PullStatus modelPull(String name, String fromNode, Optional<String> as) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("name", name);
        b.put("from", fromNode);
        as.ifPresent(a -> b.put("as", a));
        return as(call("POST", "/api/v1/models/pull", body(b)), new TypeReference<>() { });
    }

    @Override
    public PullStatus modelPullStatus() {
        return as(call("GET", "/api/v1/models/pull", ""), new TypeReference<>() { });
    }

    /** Sends a request whose answer is read line by line (server-sent events). */
    private HttpResponse<Stream<String>> sendForLines(HttpRequest req) {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.UNREACHABLE, "Cannot talk to the node at " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.CANCELLED, "Interrupted");
        }
    }

    /**
     * Follows the node's live event stream until the handler says stop or the node goes away.
     *
     * @param after the last event id already seen (0 for the kept backlog)
     * @param onEvent told each event as JSON ({@code type}, {@code time}, {@code id}, its data); returns whether to go on
     * @throws CallFailedException UNREACHABLE when the node cannot be reached
     */
    public void events(long after, Predicate<JsonNode> onEvent) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/api/v1/events?after=" + after)).timeout(Duration.ofSeconds(10))
                .headers(token.map(t -> new String[] {"Authorization", "Bearer " + t.secret()}).orElse(new String[] {"Accept", "text/event-stream"}))
                .GET().build();
        HttpResponse<Stream<String>> r = sendForLines(req);
        try (Stream<String> lines = r.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("data:") && !onEvent.test(Json.parse(line.substring(5).trim()))) {
                    return;
                }
            }
        } catch (UncheckedIOException e) {
            // the node went away
        }
    }

    @Override
    public List<NearbyNode> nearby() {
        return as(call("GET", "/api/v1/nearby", "").path("nodes"), new TypeReference<>() { });
    }

    @Override
    public NetworkReport network() {
        return as(call("GET", "/api/v1/network", ""), new TypeReference<>() { });
    }
}
