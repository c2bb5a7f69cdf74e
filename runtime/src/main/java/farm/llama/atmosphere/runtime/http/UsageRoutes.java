package farm.llama.atmosphere.runtime.http;

import static farm.llama.atmosphere.runtime.http.Http.json;

import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.usage.RequestLog;
import farm.llama.atmosphere.runtime.util.Json;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the OpenAI-compatible API served: {@code GET /api/v1/usage} (the figures),
 * {@code GET /api/v1/requests?limit=N} (the newest requests, newest first) and
 * {@code GET /api/v1/requests/ID} (one of them, with {@code decision}: its routing decision). The text of prompts and
 * answers, when {@code ui.show-prompts} keeps it, goes to admins only.
 */
final class UsageRoutes implements HttpService {

    private final RequestLog log;
    private final Predicate<ServerRequest> admin;

    UsageRoutes(RequestLog log, Predicate<ServerRequest> admin) {
        this.log = log;
        this.admin = admin;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/api/v1/usage", (req, res) -> json(res, log.usage()))
                .get("/api/v1/requests", this::list)
                .get("/api/v1/requests/{id}", (req, res) -> {
                    String id = req.path().pathParameters().get("id");
                    RequestLog.Logged found = log.find(id, admin.test(req)).orElseThrow(() -> new ApiError(Status.NOT_FOUND_404,
                            "invalid_request_error", "request_not_found", "id", "No request '" + id + "' among the " + RequestLog.KEPT
                                    + " newest this node keeps (since it started)."));
                    // the record's fields, and the decision that served it
                    ObjectNode out = Json.MAPPER.valueToTree(found.request());
                    found.decision().ifPresent(d -> out.set("decision", Json.MAPPER.valueToTree(d)));
                    json(res, out);
                });
    }

    private void list(ServerRequest req, ServerResponse res) {
        int limit;
        try {
            limit = req.query().first("limit").asOptional().map(Integer::parseInt).orElse(100);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > RequestLog.KEPT) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "limit",
                    "'limit' must be a number from 1 to " + RequestLog.KEPT + ".");
        }
        json(res, Map.of("requests", log.recent(limit, admin.test(req)), "showPrompts", log.keepsText()));
    }
}
