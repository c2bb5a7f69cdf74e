package farm.llama.atmosphere.runtime.http;

import static farm.llama.atmosphere.runtime.http.Http.bodyOf;
import static farm.llama.atmosphere.runtime.http.Http.field;
import static farm.llama.atmosphere.runtime.http.Http.json;
import static farm.llama.atmosphere.runtime.http.Http.param;
import static farm.llama.atmosphere.runtime.http.Http.required;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.config.Durations;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.time.Duration;
import java.util.Map;

/** The mesh: status, members, counters, create, invites, joins and their approval, revoke, admins, leave. */
final class MeshRoutes implements HttpService {

    private final NodeApi api;

    /** @param api the node */
    MeshRoutes(NodeApi api) {
        this.api = api;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/api/v1/mesh", (req, res) -> json(res, api.mesh()))
                .get("/api/v1/mesh/members", (req, res) -> json(res, Map.of("members", api.meshMembers())))
                .get("/api/v1/mesh/stats", (req, res) -> json(res, api.meshStats()))
                .get("/api/v1/mesh/joins", (req, res) -> json(res, Map.of("pending", api.meshPending())))
                .post("/api/v1/mesh/joins/{node}/approve", (req, res) -> json(res, api.meshDecide(param(req, "node"), false)))
                .post("/api/v1/mesh/joins/{node}/deny", (req, res) -> json(res, api.meshDecide(param(req, "node"), true)))
                .post("/api/v1/mesh/create", (req, res) -> json(res, api.meshCreate(field(req, "name"))))
                .post("/api/v1/mesh/invites", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    Duration ttl = Durations.parse(b.path("ttl").asText("PT1H")).orElseThrow(() ->
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
                });
    }
}
