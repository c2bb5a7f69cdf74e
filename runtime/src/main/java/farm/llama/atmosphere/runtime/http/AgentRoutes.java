package farm.llama.atmosphere.runtime.http;

import static farm.llama.atmosphere.runtime.http.Http.bodyOf;
import static farm.llama.atmosphere.runtime.http.Http.flag;
import static farm.llama.atmosphere.runtime.http.Http.json;
import static farm.llama.atmosphere.runtime.http.Http.object;
import static farm.llama.atmosphere.runtime.http.Http.param;
import static farm.llama.atmosphere.runtime.http.Http.required;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.api.TriggerFired;
import farm.llama.atmosphere.runtime.util.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Map;
import java.util.Optional;

/** Agents (types, specs added, spawn, invoke, ask by meaning, stop) and triggers (list, fire: 202 at once, 429 when throttled). */
final class AgentRoutes implements HttpService {

    private final NodeApi api;

    /** @param api the node */
    AgentRoutes(NodeApi api) {
        this.api = api;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/api/v1/agents/types", (req, res) -> json(res, api.agentTypes()))
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
                .post("/api/v1/triggers/{capability}/{event}", this::fire);
    }

    private void fire(ServerRequest req, ServerResponse res) {
        JsonNode b = req.content().hasEntity() ? bodyOf(req) : Json.MAPPER.createObjectNode();
        if (!b.isObject()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_type", null, "The trigger's payload must be a JSON object.");
        }
        boolean wait = flag(req, "wait");
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
    }
}
