package farm.llama.atmosphere.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.routing.ChatCall;
import farm.llama.atmosphere.runtime.routing.ChatCompletions;
import farm.llama.atmosphere.runtime.routing.ChatRequests;
import farm.llama.atmosphere.runtime.routing.Locality;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.usage.RequestLog;
import farm.llama.atmosphere.runtime.usage.RequestTrace;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The OpenAI-compatible API: {@code GET /v1/models}, {@code POST /v1/chat/completions},
 * {@code POST /v1/completions}, {@code POST /v1/embeddings}. {@code model: "auto"} (or none)
 * routes by meaning; a model name routes to a backend that serves it. Responses carry
 * {@code x-atmosphere-route}, {@code -node}, {@code -score} and, after a failover,
 * {@code -failover}. Errors use OpenAI's shape and status codes.
 */
final class OpenAiApi implements HttpService {

    private final RouterService router;
    private final RequestLog log;
    private final Function<ServerRequest, String> clients;

    /**
     * @param router the router
     * @param log where each request is recorded when it ends
     * @param clients who a request comes from, as the request log names it
     */
    OpenAiApi(RouterService router, RequestLog log, Function<ServerRequest, String> clients) {
        this.router = router;
        this.log = log;
        this.clients = clients;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/models", this::models)
                .get("/v1/models/{id}", this::model)
                .post("/v1/chat/completions", (req, res) -> traced(req, res, "chat", trace -> chat(req, res, false, trace)))
                .post("/v1/completions", (req, res) -> traced(req, res, "completions", trace -> chat(req, res, true, trace)))
                .post("/v1/embeddings", (req, res) -> traced(req, res, "embeddings", trace -> embeddings(req, res, trace)));
    }

    /** Runs a request under a trace that records how it ended, whatever that was. */
    private void traced(ServerRequest req, ServerResponse res, String endpoint, Consumer<RequestTrace> handler) {
        RequestTrace trace = log.start(clients.apply(req), endpoint);
        res.header("x-atmosphere-request", trace.requestId()); // its id in the request log (GET /api/v1/requests/ID)
        try {
            handler.accept(trace);
        } catch (ApiError e) {
            trace.failed(e.status.code(), e.getMessage());
            throw e;
        } catch (CallFailedException e) {
            trace.failed(Status.BAD_GATEWAY_502.code(), e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            trace.failed(Status.INTERNAL_SERVER_ERROR_500.code(), e.getClass().getSimpleName());
            throw e;
        } finally {
            trace.end();
        }
    }

    private void served(RequestTrace trace, Capability c, RouteDecision decision, List<String> failed) {
        trace.served(router.routeOf(c), c.nodeId(), withoutLatest(c.name()), failed, decision);
    }

    /** @return the request's JSON object body, or a 400 in OpenAI's shape */
    private static Locality locality(ServerRequest req) {
        try {
            return Locality.parse(req.headers().first(HeaderNames.create("x-atmosphere-locality")));
        } catch (IllegalArgumentException e) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "x-atmosphere-locality", e.getMessage());
        }
    }

    static ObjectNode bodyOf(ServerRequest req) {
        JsonNode body;
        try {
            body = Json.parse(Http.bytesOf(req));
        } catch (IllegalArgumentException e) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_json", null,
                    "We could not parse the JSON body of your request: " + e.getMessage());
        }
        if (!body.isObject()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_json", null,
                    "The request body must be a JSON object.");
        }
        return (ObjectNode) body;
    }

    private static void requireType(ObjectNode body, String field, String type) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        boolean ok = switch (type) {
            case "string" -> v.isTextual();
            case "boolean" -> v.isBoolean();
            case "number" -> v.isNumber();
            case "integer" -> v.isIntegralNumber();
            case "array" -> v.isArray();
            case "object" -> v.isObject();
            case "string|array" -> v.isTextual() || v.isArray();
            default -> true;
        };
        if (!ok) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_type", field,
                    "Invalid type for '" + field + "': expected " + type.replace("|", " or ") + ", got " + v.getNodeType().name().toLowerCase(Locale.ROOT) + ".");
        }
    }

    private String modelOf(ObjectNode body) {
        requireType(body, "model", "string");
        String model = body.path("model").asText("auto");
        if (model.isBlank() || model.equals("default")) {
            model = "auto";
        }
        return model;
    }

    private void models(ServerRequest req, ServerResponse res) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        if (router.hasRouter()) {
            data.add(autoEntry()); // "auto" routes by meaning: listed only while a router is loaded
        }
        for (Map.Entry<String, List<Capability>> e : router.models().entrySet()) {
            data.add(modelEntry(e.getKey(), e.getValue()));
        }
        router.embedder().ifPresent(e -> data.add(embedderEntry(e.id())));
        send(res, out);
    }

    private static ObjectNode autoEntry() {
        ObjectNode auto = Json.MAPPER.createObjectNode();
        auto.put("id", "auto");
        auto.put("object", "model");
        auto.put("created", 0);
        auto.put("owned_by", "atmosphere");
        auto.putObject("atmosphere").put("description", "routes each request to the capability that fits it best");
        return auto;
    }

    private ObjectNode embedderEntry(String id) {
        ObjectNode local = Json.MAPPER.createObjectNode();
        local.put("id", id);
        local.put("object", "model");
        local.put("created", 0);
        local.put("owned_by", "atmosphere");
        ObjectNode a = local.putObject("atmosphere");
        a.putArray("types").add("llm/embed");
        a.putArray("nodes").add(router.nodeId());
        a.put("description", "this node's own embedder");
        return local;
    }

    private ObjectNode modelEntry(String name, List<Capability> caps) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("id", name);
        m.put("object", "model");
        m.put("created", 0);
        m.put("owned_by", "atmosphere");
        ObjectNode a = m.putObject("atmosphere");
        Set<String> nodes = new LinkedHashSet<>();
        Set<String> backends = new LinkedHashSet<>();
        Set<String> types = new LinkedHashSet<>();
        for (Capability c : caps) {
            nodes.add(c.nodeId());
            backends.add(c.metadata().getOrDefault("backend", ""));
            types.add(c.type());
        }
        nodes.forEach(a.putArray("nodes")::add);
        backends.forEach(a.putArray("backends")::add);
        types.forEach(a.putArray("types")::add);
        return m;
    }

    private void model(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (id.equals("auto")) {
            send(res, autoEntry());
            return;
        }
        if (router.embedder().filter(e -> e.id().equals(id)).isPresent()) {
            send(res, embedderEntry(id));
            return;
        }
        // listed without Ollama's default tag, asked for with or without it
        List<Capability> caps = router.models().get(withoutLatest(id));
        if (caps == null) {
            throw new ApiError(Status.NOT_FOUND_404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + id + "' does not exist on this node. GET /v1/models lists the models.");
        }
        send(res, modelEntry(withoutLatest(id), caps));
    }

    /** @return a model name as /v1/models lists it: without Ollama's default tag */
    private static String withoutLatest(String model) {
        return model.endsWith(":latest") ? model.substring(0, model.length() - ":latest".length()) : model;
    }

    private void chat(ServerRequest req, ServerResponse res, boolean legacy, RequestTrace trace) {
        ObjectNode body = bodyOf(req);
        String model = modelOf(body);
        requireType(body, "stream", "boolean");
        trace.asked(model, body.path("stream").asBoolean(false));
        requireType(body, "temperature", "number");
        requireType(body, "top_p", "number");
        requireType(body, "max_tokens", "integer");
        requireType(body, "tools", "array");
        requireType(body, "stop", "string|array");
        if (legacy) {
            requireType(body, "prompt", "string|array");
            JsonNode prompt = body.path("prompt");
            String text;
            if (prompt.isTextual()) {
                text = prompt.asText();
            } else if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
                text = prompt.get(0).asText();
            } else {
                throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "prompt",
                        "'prompt' must be a string (or an array holding one string).");
            }
            ArrayNode messages = body.putArray("messages");
            ObjectNode m = messages.addObject();
            m.put("role", "user");
            m.put("content", text);
            body.remove("prompt");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "missing_required_parameter", "messages",
                    "'messages' is required: a non-empty array of {role, content}.");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "messages[" + i + "]",
                        "messages[" + i + "] must be an object with a string 'role'.");
            }
        }
        requireContinuable(body, messages);
        if (!model.equals("auto") && !router.knows(model)) {
            throw new ApiError(Status.NOT_FOUND_404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + model + "' does not exist on this node. GET /v1/models lists the models; use \"auto\" to route by meaning.");
        }
        String json = body.toString();
        boolean stream = body.path("stream").asBoolean(false);
        if (trace.keepsText()) {
            trace.prompt(ChatRequests.intent(body));
        }
        RouteQuery query = ChatRequests.query(model, body);
        ChatCall call;
        try {
            call = router.startChat(new ChatRequest(model, json, router.firstByteTimeout()), query, locality(req), carriesOn(req));
        } catch (CallFailedException e) {
            throw routingFailure(e, model);
        }
        try (call) {
            trace.firstToken();
            served(trace, call.served().capability(), call.decision(), call.failedRoutes());
            if (stream) {
                headers(res, call.served().capability(), call.served().score(), call.failedRoutes());
                streamChat(res, call, legacy, trace);
            } else {
                ObjectNode answer = ChatCompletions.aggregate(call, legacy);
                served(trace, call.served().capability(), call.decision(), call.failedRoutes()); // after any continuation
                headers(res, call.served().capability(), call.served().score(), call.failedRoutes());
                if (trace.keepsText()) {
                    JsonNode choice = answer.path("choices").path(0);
                    trace.answer(legacy ? choice.path("text").asText("") : choice.path("message").path("content").asText(""));
                }
                // recorded before the client has the answer: a client that asks the log next finds it there
                trace.tokens(call.promptTokens(), call.completionTokens());
                trace.end();
                send(res, answer);
            }
        }
    }

    /** @return whether a backend that dies mid-answer is replaced by one that continues it ({@code x-atmosphere-continue}) */
    private static boolean carriesOn(ServerRequest req) {
        String v = req.headers().first(HeaderNames.create("x-atmosphere-continue")).orElse("on").trim().toLowerCase(Locale.ROOT);
        if (!v.equals("on") && !v.equals("off")) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "x-atmosphere-continue",
                    "x-atmosphere-continue must be 'on' (the default: another backend continues an answer whose backend died) or 'off'.");
        }
        return v.equals("on");
    }

    /** A request that asks its last message to be continued must end with an assistant's text, as vLLM and llama.cpp require. */
    private static void requireContinuable(ObjectNode body, JsonNode messages) {
        requireType(body, ChatRequest.CONTINUE_FINAL_MESSAGE, "boolean");
        requireType(body, "add_generation_prompt", "boolean");
        if (!body.path(ChatRequest.CONTINUE_FINAL_MESSAGE).asBoolean(false)) {
            return;
        }
        JsonNode last = messages.get(messages.size() - 1);
        if (!last.path("role").asText().equals("assistant") || !last.path("content").isTextual()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", ChatRequest.CONTINUE_FINAL_MESSAGE,
                    "continue_final_message continues the last message: it must be an assistant's, with text content.");
        }
        if (body.path("add_generation_prompt").asBoolean(false)) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "add_generation_prompt",
                    "add_generation_prompt and continue_final_message cannot both be true: leave add_generation_prompt out or false.");
        }
    }

    private static ApiError routingFailure(CallFailedException e, String model) {
        return switch (e.kind()) {
            case NOT_FOUND -> new ApiError(Status.SERVICE_UNAVAILABLE_503, "service_unavailable", "no_capability", null, e.getMessage());
            case OVERLOADED -> new ApiError(Status.SERVICE_UNAVAILABLE_503, "service_unavailable", "overloaded", null, e.getMessage())
                    .retryAfter(1);
            case TIMEOUT -> new ApiError(Status.GATEWAY_TIMEOUT_504, "timeout", "backend_timeout", null, e.getMessage());
            case INVALID_REQUEST -> new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_request", null, e.getMessage());
            case REFUSED -> new ApiError(Status.FORBIDDEN_403, "permission_error", "refused", null, e.getMessage());
            case CANCELLED -> new ApiError(Status.create(499, "Client Closed Request"), "cancelled", "cancelled", null, e.getMessage());
            default -> new ApiError(Status.BAD_GATEWAY_502, "server_error", "backend_failed", null, e.getMessage());
        };
    }

    private void headers(ServerResponse res, Capability c, double score, List<String> failed) {
        res.header("x-atmosphere-route", router.routeOf(c));
        res.header("x-atmosphere-node", c.nodeId());
        res.header("x-atmosphere-score", fourPlaces(score));
        if (!failed.isEmpty()) {
            List<String> routes = failed.stream().map(f -> f.contains(" (") ? f.substring(0, f.indexOf(" (")) : f).toList();
            res.header("x-atmosphere-failover", String.join(", ", routes));
        }
    }

    /** @return the score with four decimals, as {@code %.4f} writes it, without a formatter per request */
    static String fourPlaces(double score) {
        if (!Double.isFinite(score)) {
            return String.format(Locale.ROOT, "%.4f", score);
        }
        String s = BigDecimal.valueOf(score).setScale(4, RoundingMode.HALF_UP).toPlainString();
        return Math.copySign(1.0, score) < 0 && s.charAt(0) != '-' ? "-" + s : s; // a negative that rounds to zero keeps its sign
    }

    private void streamChat(ServerResponse res, ChatCall call, boolean legacy, RequestTrace trace) {
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (OutputStream out = res.outputStream()) {
            try {
                Optional<ChatChunk> c;
                while ((c = call.next()).isPresent()) {
                    String json = legacy ? TextChunks.of(c.get().json()) : c.get().json();
                    if (trace.keepsText()) {
                        trace.answer(TextChunks.deltaText(c.get().json()));
                    }
                    if (json != null) {
                        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
                        if (!call.buffered()) { // chunks that came together leave together; a lone one leaves at once
                            out.flush();
                        }
                    }
                }
            } catch (CallFailedException e) {
                trace.failed(Status.OK_200.code(), "The backend failed mid-stream: " + e.getMessage());
                ObjectNode err = Json.MAPPER.createObjectNode();
                ObjectNode inner = err.putObject("error");
                inner.put("message", "The backend failed mid-stream: " + e.getMessage());
                inner.put("type", "server_error");
                inner.putNull("param");
                inner.put("code", e.kind() == FailureKind.TIMEOUT ? "backend_timeout" : "backend_failed");
                out.write(("data: " + err + "\n\n").getBytes(StandardCharsets.UTF_8));
            }
            // recorded before the stream ends: a client that asks the log next finds it there
            served(trace, call.served().capability(), call.decision(), call.failedRoutes()); // after any continuation
            trace.tokens(call.promptTokens(), call.completionTokens());
            trace.end();
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | UncheckedIOException e) {
            // the client went away: closing the call cancels the generation at the backend
            trace.failed(499, "The client went away before the answer ended.");
            call.close();
        }
    }

    private void embeddings(ServerRequest req, ServerResponse res, RequestTrace trace) {
        ObjectNode body = bodyOf(req);
        String model = modelOf(body);
        trace.asked(model, false);
        requireType(body, "input", "string|array");
        requireType(body, "encoding_format", "string");
        JsonNode input = body.get("input");
        List<String> texts = new ArrayList<>();
        if (input == null || input.isNull()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "missing_required_parameter", "input",
                    "'input' is required: a string or an array of strings.");
        }
        if (input.isTextual()) {
            texts.add(input.asText());
        } else {
            for (JsonNode i : input) {
                if (!i.isTextual()) {
                    throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "input",
                            "'input' must be a string or an array of strings (token arrays are not supported).");
                }
                texts.add(i.asText());
            }
        }
        if (texts.isEmpty()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "input", "'input' must not be empty.");
        }
        String format = body.path("encoding_format").asText("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "encoding_format",
                    "'encoding_format' must be \"float\" or \"base64\".");
        }
        if (!model.equals("auto") && router.embedder().filter(e -> e.id().equals(model)).isEmpty() && !router.knows(model)) {
            throw new ApiError(Status.NOT_FOUND_404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + model + "' does not exist on this node. GET /v1/models lists the models.");
        }
        RouterService.RoutedEmbeddings r;
        try {
            r = router.embedRouted(new EmbedRequest(model, texts), locality(req));
        } catch (CallFailedException e) {
            throw routingFailure(e, model);
        }
        String route = r.route();
        trace.firstToken();
        trace.served(route, route.substring(0, route.indexOf('/')), r.embeddings().model(), List.of(), null);
        trace.tokens(r.embeddings().promptTokens(), 0);
        res.header("x-atmosphere-route", route);
        res.header("x-atmosphere-node", route.substring(0, route.indexOf('/')));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < r.embeddings().vectors().size(); i++) {
            float[] v = r.embeddings().vectors().get(i);
            ObjectNode d = data.addObject();
            d.put("object", "embedding");
            d.put("index", i);
            if (format.equals("base64")) {
                ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(v);
                d.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
            } else {
                ArrayNode arr = d.putArray("embedding");
                for (float f : v) {
                    arr.add(f);
                }
            }
        }
        out.put("model", r.embeddings().model());
        ObjectNode usage = out.putObject("usage");
        usage.put("prompt_tokens", r.embeddings().promptTokens());
        usage.put("total_tokens", r.embeddings().promptTokens());
        trace.end(); // recorded before the client has the answer
        send(res, out);
    }

    private static void send(ServerResponse res, JsonNode body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body.toString().getBytes(StandardCharsets.UTF_8));
    }
}
