package farm.llama.atmosphere.runtime.http;

import static farm.llama.atmosphere.runtime.http.Http.json;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The node itself: status, backends and scans, capabilities, cost, policy, the LAN, the network, and routing decisions explained. */
final class NodeRoutes implements HttpService {

    private final NodeApi api;
    private final RouterService router;

    /**
     * @param api the node
     * @param router its router (for decisions on explicit needs), or null
     */
    NodeRoutes(NodeApi api, RouterService router) {
        this.api = api;
        this.router = router;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/api/v1/status", (req, res) -> json(res, api.status()))
                .get("/api/v1/backends", (req, res) -> json(res, Map.of("backends", api.backends())))
                .post("/api/v1/scan", (req, res) -> json(res, Map.of("backends", api.scan())))
                .get("/api/v1/nearby", (req, res) -> json(res, Map.of("nodes", api.nearby())))
                .get("/api/v1/network", (req, res) -> json(res, api.network()))
                .get("/api/v1/capabilities", (req, res) -> json(res, Map.of("capabilities", api.capabilities())))
                .get("/api/v1/cost", (req, res) -> json(res, api.cost()))
                .get("/api/v1/policy", (req, res) -> json(res, api.policy()))
                .post("/api/v1/route", this::route)
                .post("/api/v1/route/feedback", this::feedback);
    }

    private void feedback(ServerRequest req, ServerResponse res) {
        JsonNode body = OpenAiApi.bodyOf(req);
        for (String field : new String[] {"intent", "task"}) {
            if (!body.path(field).isTextual() || body.path(field).asText().isBlank()) {
                throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "missing_required_parameter", field,
                        "'" + field + "' is required: {\"intent\": \"the request that went to the wrong model\", \"task\": \"code\"}.");
            }
        }
        json(res, api.routeFeedback(body.get("intent").asText(), body.get("task").asText()));
    }

    private void route(ServerRequest req, ServerResponse res) {
        JsonNode body = OpenAiApi.bodyOf(req);
        if (!body.path("intent").isTextual() || body.path("intent").asText().isBlank()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "missing_required_parameter", "intent",
                    "'intent' is required: the text to route, e.g. {\"intent\": \"fix this Python stack trace\"}.");
        }
        Optional<String> model = body.path("model").isTextual() ? Optional.of(body.get("model").asText()) : Optional.empty();
        if (body.path("needs").isArray() && router != null) {
            Set<String> needs = new LinkedHashSet<>();
            body.get("needs").forEach(n -> needs.add(n.asText()));
            if (needs.isEmpty()) {
                throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "needs",
                        "'needs' must list capability types such as \"llm/chat\" or \"llm/embed\".");
            }
            json(res, router.decide(new RouteQuery(body.get("intent").asText(), needs, model.filter(m -> !m.equals("auto")))));
            return;
        }
        json(res, api.route(body.get("intent").asText(), model, body.path("vision").asBoolean(false)));
    }
}
