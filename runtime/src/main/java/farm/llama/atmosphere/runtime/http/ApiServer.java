package farm.llama.atmosphere.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.AdminToken;
import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.api.TriggerFired;
import farm.llama.atmosphere.runtime.events.EventBus;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The node's HTTP API on Helidon SE. Handlers are thin: they translate between HTTP and
 * {@link NodeApi}; errors use OpenAI's error shape {@code {"error":{"message","type","code"}}}.
 */
public final class ApiServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ApiServer.class.getName());

    private final WebServer server;
    private final EventBus events;
    private final NodeApi api;
    private final farm.llama.atmosphere.runtime.routing.RouterService routerService;
    private volatile boolean running = true;

    /** @return whether an address to bind is a loopback one (a name is resolved; one that does not resolve is not) */
    private static boolean loopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * Starts the server.
     *
     * @param config the node config (host, port, guards, TLS)
     * @param host the address to bind
     * @param port the port to bind (0 for any free one)
     * @param api the node
     * @param health the body of {@code /health}
     * @param events the live event stream
     * @param token the admin token
     * @throws AtmosphereException if the address cannot be bound, saying what to do
     */
    public ApiServer(NodeConfig config, String host, int port, NodeApi api, Supplier<Map<String, Object>> health,
                     EventBus events, AdminToken token, farm.llama.atmosphere.runtime.routing.RouterService router,
                     farm.llama.atmosphere.runtime.ApiKeys keys) {
        this.events = events;
        this.api = api;
        this.routerService = router;
        AccessGuard guard = new AccessGuard(config.allowedHosts(), config.allowedOrigins(), token, keys,
                config.requireKeyOnLoopback(), loopback(host));
        HttpRouting.Builder routing = HttpRouting.builder()
                .addFilter((chain, req, res) -> {
                    Optional<AccessGuard.Refusal> refusal = guard.check(req);
                    if (refusal.isPresent()) {
                        AccessGuard.Refusal r = refusal.get();
                        error(res, r.status(), r.code(), r.code(), r.message());
                    } else {
                        chain.proceed();
                    }
                })
                .get("/health", (req, res) -> json(res, health.get()))
                .get("/api/v1/status", (req, res) -> json(res, api.status()))
                .get("/api/v1/plugins", (req, res) -> json(res, Map.of("plugins", api.plugins())))
                .post("/api/v1/plugins/reload", (req, res) -> json(res, Map.of("plugins", api.reloadPlugins(Optional.empty()))))
                .post("/api/v1/plugins/{id}/reload", (req, res) ->
                        json(res, Map.of("plugins", api.reloadPlugins(Optional.of(param(req, "id"))))))
                .post("/api/v1/plugins/{id}/enable", (req, res) -> json(res, api.enablePlugin(param(req, "id"))))
                .post("/api/v1/plugins/{id}/disable", (req, res) -> json(res, api.disablePlugin(param(req, "id"))))
                .get("/api/v1/tools", (req, res) -> json(res, Map.of("tools", api.tools())))
                .get("/api/v1/tools/{name}", (req, res) -> json(res, api.tool(param(req, "name"))))
                .post("/api/v1/tools/{name}/run", this::runTool)
                .get("/api/v1/events", this::streamEvents)
                .get("/api/v1/backends", (req, res) -> json(res, Map.of("backends", api.backends())))
                .post("/api/v1/scan", (req, res) -> json(res, Map.of("backends", api.scan())))
                .get("/api/v1/nearby", (req, res) -> json(res, Map.of("nodes", api.nearby())))
                .get("/api/v1/network", (req, res) -> json(res, api.network()))
                .get("/api/v1/capabilities", (req, res) -> json(res, Map.of("capabilities", api.capabilities())))
                .get("/api/v1/cost", (req, res) -> json(res, api.cost()))
                .get("/api/v1/mesh", (req, res) -> json(res, api.mesh()))
                .get("/api/v1/policy", (req, res) -> json(res, api.policy()))
                .get("/api/v1/models/pull", (req, res) -> json(res, api.modelPullStatus()))
                .post("/api/v1/models/pull", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    json(res, api.modelPull(required(b, "name"), required(b, "from"),
                            b.hasNonNull("as") ? Optional.of(b.get("as").asText()) : Optional.empty()));
                })
                .get("/api/v1/models/deploy", (req, res) -> json(res, api.modelDeployStatus()))
                .post("/api/v1/models/deploy", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    List<String> to = new java.util.ArrayList<>();
                    b.path("to").forEach(t -> to.add(t.asText()));
                    json(res, api.modelDeploy(required(b, "model"), to, b.path("all").asBoolean(false)));
                })
                .get("/api/v1/models", (req, res) -> json(res, Map.of("models",
                        api.models(req.query().first("mesh").map(v -> v.equals("true") || v.equals("1")).orElse(false)))))
                .get("/api/v1/mesh/members", (req, res) -> json(res, Map.of("members", api.meshMembers())))
                .get("/api/v1/mesh/stats", (req, res) -> json(res, api.meshStats()))
                .get("/api/v1/mesh/joins", (req, res) -> json(res, Map.of("pending", api.meshPending())))
                .post("/api/v1/mesh/joins/{node}/approve", (req, res) -> json(res, api.meshDecide(param(req, "node"), false)))
                .post("/api/v1/mesh/joins/{node}/deny", (req, res) -> json(res, api.meshDecide(param(req, "node"), true)))
                .post("/api/v1/mesh/create", (req, res) -> json(res, api.meshCreate(field(req, "name"))))
                .post("/api/v1/mesh/invites", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    Duration ttl = farm.llama.atmosphere.runtime.config.Durations.parse(b.path("ttl").asText("PT1H")).orElseThrow(() ->
                            new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "ttl",
                                    "ttl: expected a duration such as 30m, 1h or PT2H"));
                    json(res, api.meshInvite(ttl, b.path("uses").asInt(1)));
                })
                .get("/api/v1/mesh/join", (req, res) -> json(res, api.meshJoinStatus()))
                .post("/api/v1/mesh/join", (req, res) -> json(res, api.meshJoin(field(req, "target"))))
                .post("/api/v1/mesh/revoke", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    json(res, api.meshRevoke(required(b, "nodeId"), b.path("confirm").asBoolean(false)));
                })
                .post("/api/v1/mesh/leave", (req, res) -> json(res, api.meshLeave()))
                .post("/api/v1/mesh/admins", (req, res) -> {
                    JsonNode b = bodyOf(req); // a request body can be read once
                    json(res, api.meshAdmin(required(b, "nodeId"), b.path("remove").asBoolean(false)));
                })
                .get("/api/v1/agents/types", (req, res) -> json(res, api.agentTypes()))
                .post("/api/v1/agents/types", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    json(res, api.agentAdd(required(b, "fileName"), required(b, "yaml")));
                })
                .get("/api/v1/agents", (req, res) -> json(res, Map.of("agents", api.agents())))
                .post("/api/v1/agents", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    Optional<String> intent = b.hasNonNull("intent") ? Optional.of(b.get("intent").asText()) : Optional.empty();
                    json(res, api.agentSpawn(required(b, "type"), object(b, "params"), intent));
                })
                .post("/api/v1/agents/ask", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    json(res, api.agentAsk(required(b, "intent"), b.path("route").asText(""), object(b, "args")));
                })
                .post("/api/v1/agents/{id}/invoke", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    json(res, api.agentInvoke(param(req, "id"), required(b, "intent"), object(b, "args")));
                })
                .post("/api/v1/agents/{id}/stop", (req, res) -> json(res, api.agentStop(param(req, "id"))))
                .get("/api/v1/triggers", (req, res) -> json(res, Map.of("triggers", api.triggers())))
                .post("/api/v1/triggers/{capability}/{event}", (req, res) -> {
                    JsonNode b = req.content().hasEntity() ? bodyOf(req) : Json.MAPPER.createObjectNode();
                    if (!b.isObject()) {
                        throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_type", null,
                                "The trigger's payload must be a JSON object.");
                    }
                    boolean wait = req.query().first("wait").map(v -> v.equals("true") || v.equals("1")).orElse(false);
                    TriggerFired out = api.fireTrigger(param(req, "capability"), param(req, "event"), new JsonText(b.toString()), wait);
                    if (out.throttled()) {
                        long retry = out.retryAfterSeconds().orElse(1L);
                        out = out.withError(new TriggerFired.Problem("rate_limit_error", "throttled",
                                "Trigger " + out.trigger() + " is throttled; it acts again in " + retry + " s."));
                        res.status(Status.TOO_MANY_REQUESTS_429);
                        res.header(HeaderNames.RETRY_AFTER, String.valueOf(retry));
                    } else if (!wait) {
                        res.status(Status.ACCEPTED_202);
                    }
                    json(res, out);
                })
                .post("/api/v1/route", this::route);
        new OpenAiApi(router).register(routing);
        routing.error(ApiError.class, (req, res, e) -> {
                    if (e.retryAfter > 0) {
                        res.header(HeaderNames.RETRY_AFTER, Integer.toString(e.retryAfter));
                    }
                    error(res, e.status, e.type, e.code, e.param, e.getMessage());
                })
                .error(CallFailedException.class, (req, res, e) -> failure(res, e))
                .error(io.helidon.http.HttpException.class, (req, res, e) -> {
                    // Helidon's own answers (no route: 404, wrong method: 405), in the OpenAI error shape
                    Status status = e.status();
                    String what = req.prologue().method().text() + " " + req.path().path();
                    String message = switch (status.code()) {
                        case 404 -> "No such endpoint: " + what + ". The API is under /v1/ (OpenAI-compatible) and /api/v1/; see the README.";
                        case 405 -> "Method not allowed: " + what + ".";
                        default -> e.getMessage();
                    };
                    error(res, status, status.code() >= 500 ? "server_error" : "invalid_request_error",
                            status.reasonPhrase().toLowerCase(java.util.Locale.ROOT).replace(' ', '_'), message);
                })
                .error(AtmosphereException.class, (req, res, e) ->
                        error(res, Status.BAD_REQUEST_400, "invalid_request_error", "bad_request", e.getMessage()))
                .error(RuntimeException.class, (req, res, e) -> {
                    LOG.log(System.Logger.Level.ERROR, "Request " + req.path().path() + " failed", e);
                    error(res, Status.INTERNAL_SERVER_ERROR_500, "server_error", "internal",
                            "The node failed to handle this request: " + e.getClass().getSimpleName());
                });
        var builder = WebServer.builder()
                .host(host)
                .port(port)
                .maxPayloadSize(config.maxBodySize())
                // streamed tokens must leave at once: without TCP_NODELAY, Nagle's algorithm and the
                // client's delayed ACK hold each small chunk for ~40 ms
                .connectionOptions(o -> o.tcpNoDelay(true))
                .shutdownHook(false)
                .addRouting(routing);
        if (config.tlsKeystore().isPresent()) {
            builder.tls(tls(config));
        } else if (!isLoopback(host)) {
            String bar = "!".repeat(78);
            LOG.log(System.Logger.Level.WARNING, "\n" + bar + "\n!! The API is bound to " + host
                    + " WITHOUT TLS: tokens and prompts cross the network in clear text.\n"
                    + "!! Set api.tls.keystore in config.yaml, or bind to 127.0.0.1.\n" + bar);
        }
        requirePortFree(host, port, "Choose another with --port, api.port or ATMOSPHERE_PORT.");
        try {
            this.server = builder.build().start();
        } catch (RuntimeException e) {
            throw new AtmosphereException("Cannot listen on " + host + ":" + port + " (" + rootMessage(e)
                    + "). Is another program using the port? Choose another with --port, api.port or ATMOSPHERE_PORT.", e);
        }
        if (!server.isRunning() || server.port() < 0) { // Helidon logs a failed bind and returns a stopped server
            server.stop();
            throw new AtmosphereException("Cannot listen on " + host + ":" + port
                    + ". Is another program using the port? Choose another with --port, api.port or ATMOSPHERE_PORT.");
        }
    }

    /**
     * Fails early, with one clear line, when the port is taken (Helidon would log a stack trace and
     * return a stopped server; callers check for that too, as the port can be taken in between).
     *
     * @param host the address to bind
     * @param port the port; 0 is always free
     * @param hint what the user can change
     * @throws AtmosphereException if something already listens there
     */
    public static void requirePortFree(String host, int port, String hint) {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new java.net.InetSocketAddress(host, port), 1);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot listen on " + host + ":" + port + " (" + e.getMessage() + "). Is another program using the port? "
                    + hint);
        }
    }

    private static Tls tls(NodeConfig config) {
        return tls(config.tlsKeystore().get(), config.tlsKeystorePassword().orElse(""), "api.tls.keystore");
    }

    /**
     * Reads a PKCS#12 key store into a server TLS configuration.
     *
     * @param keystore the file: one key and its certificate chain
     * @param password its password
     * @param setting the setting or option that named the file, for the error message
     * @return the TLS configuration
     * @throws AtmosphereException naming the file and the setting when it cannot be used
     */
    public static Tls tls(java.nio.file.Path keystore, String password, String setting) {
        try (InputStream in = Files.newInputStream(keystore)) {
            char[] secret = password.toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, secret);
            String alias = ks.aliases().nextElement();
            var key = (java.security.PrivateKey) ks.getKey(alias, secret);
            var chain = ks.getCertificateChain(alias);
            java.util.List<java.security.cert.X509Certificate> certs = new java.util.ArrayList<>();
            for (var c : chain) {
                certs.add((java.security.cert.X509Certificate) c);
            }
            return Tls.builder().privateKey(key).privateKeyCertChain(certs).build();
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            throw new AtmosphereException("Cannot use " + setting + " " + keystore + ": "
                    + rootMessage(e) + ". It must be a PKCS#12 file with one key and its certificate chain.", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** @return the bound port */
    public int port() {
        return server.port();
    }

    private void route(ServerRequest req, ServerResponse res) {
        JsonNode body = OpenAiApi.bodyOf(req);
        if (!body.path("intent").isTextual() || body.path("intent").asText().isBlank()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "missing_required_parameter", "intent",
                    "'intent' is required: the text to route, e.g. {\"intent\": \"fix this Python stack trace\"}.");
        }
        Optional<String> model = body.path("model").isTextual() ? Optional.of(body.get("model").asText()) : Optional.empty();
        if (body.path("needs").isArray() && routerService != null) {
            java.util.Set<String> needs = new java.util.LinkedHashSet<>();
            body.get("needs").forEach(n -> needs.add(n.asText()));
            if (needs.isEmpty()) {
                throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "needs",
                        "'needs' must list capability types such as \"llm/chat\" or \"llm/embed\".");
            }
            json(res, routerService.decide(new farm.llama.atmosphere.spi.routing.RouteQuery(body.get("intent").asText(), needs,
                    model.filter(m -> !m.equals("auto")))));
            return;
        }
        json(res, api.route(body.get("intent").asText(), model, body.path("vision").asBoolean(false)));
    }

    private static String param(ServerRequest req, String name) {
        return req.path().pathParameters().get(name);
    }

    private static JsonNode bodyOf(ServerRequest req) {
        String body = req.content().hasEntity() ? req.content().as(String.class) : "{}";
        try {
            return Json.parse(body.isBlank() ? "{}" : body);
        } catch (IllegalArgumentException e) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_json", null, "the body is not JSON: " + e.getMessage());
        }
    }

    private static String field(ServerRequest req, String name) {
        return required(bodyOf(req), name);
    }

    private static JsonText object(JsonNode body, String name) {
        JsonNode v = body.path(name);
        if (v.isMissingNode() || v.isNull()) {
            return JsonText.EMPTY_OBJECT;
        }
        if (!v.isObject()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_type", name, "'" + name + "' must be a JSON object");
        }
        return new JsonText(v.toString());
    }

    private static String required(JsonNode body, String name) {
        String v = body.path(name).asText("");
        if (v.isBlank()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "missing_required_parameter", name,
                    "'" + name + "' is required");
        }
        return v;
    }

    private void runTool(ServerRequest req, ServerResponse res) {
        String body = req.content().hasEntity() ? req.content().as(String.class) : "{}";
        String name = param(req, "name");
        Optional<String> node = req.query().first("node").asOptional();
        String result = node.isPresent() ? api.runToolOn(node.get(), name, body) : api.runTool(name, body);
        JsonNode value = Json.parse(result);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tool", name);
        out.put("result", value);
        json(res, out);
    }

    private void streamEvents(ServerRequest req, ServerResponse res) {
        long after = req.headers().first(HeaderNames.create("Last-Event-ID"))
                .or(() -> req.query().first("after").asOptional())
                .map(s -> {
                    try {
                        return Long.parseLong(s.trim());
                    } catch (NumberFormatException e) {
                        return 0L;
                    }
                }).orElse(0L);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (EventBus.Subscription sub = events.subscribe(after); OutputStream out = res.outputStream()) {
            out.write(": atmosphere event stream\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            long lastWrite = System.nanoTime();
            while (running) {
                EventBus.Numbered n = sub.poll(1000);
                if (n != null) {
                    String frame = "event: " + n.event().type() + "\nid: " + n.id() + "\ndata: " + Json.write(n.toMap()) + "\n\n";
                    out.write(frame.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWrite = System.nanoTime();
                } else if (System.nanoTime() - lastWrite > 15_000_000_000L) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWrite = System.nanoTime();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void json(ServerResponse res, Object body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send((Json.write(body)).getBytes(StandardCharsets.UTF_8));
    }

    static void failure(ServerResponse res, CallFailedException e) {
        Status status = switch (e.kind()) {
            case INVALID_REQUEST -> Status.BAD_REQUEST_400;
            case NOT_FOUND -> Status.NOT_FOUND_404;
            case REFUSED -> Status.FORBIDDEN_403;
            case TIMEOUT -> Status.GATEWAY_TIMEOUT_504;
            case OVERLOADED -> Status.SERVICE_UNAVAILABLE_503;
            case UNREACHABLE, BAD_RESPONSE -> Status.BAD_GATEWAY_502;
            case CANCELLED -> Status.create(499, "Client Closed Request");
            case INTERNAL -> Status.INTERNAL_SERVER_ERROR_500;
        };
        String type = e.kind() == FailureKind.INVALID_REQUEST ? "invalid_request_error" : e.kind().name().toLowerCase(java.util.Locale.ROOT);
        if (e.kind() == FailureKind.OVERLOADED) {
            res.header(HeaderNames.RETRY_AFTER, "5"); // busy now (a full queue, a limit reached): worth asking again soon
        }
        error(res, status, type, e.kind().name().toLowerCase(java.util.Locale.ROOT), e.getMessage());
    }

    static void error(ServerResponse res, Status status, String type, String code, String message) {
        error(res, status, type, code, null, message);
    }

    static void error(ServerResponse res, Status status, String type, String code, String param, String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("message", message);
        err.put("type", type);
        err.put("param", param);
        err.put("code", code);
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.write(Map.of("error", err)).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        running = false;
        server.stop();
    }
}
