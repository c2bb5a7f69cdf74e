package farm.llama.atmosphere.runtime.http;

import static farm.llama.atmosphere.runtime.http.Http.bodyOf;
import static farm.llama.atmosphere.runtime.http.Http.flag;
import static farm.llama.atmosphere.runtime.http.Http.json;
import static farm.llama.atmosphere.runtime.http.Http.required;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.NodeApi;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Models: the catalogue here or across the mesh, deploys (a backend pulls a model) and pulls (a file copied from a member). */
final class ModelRoutes implements HttpService {

    private final NodeApi api;

    /** @param api the node */
    ModelRoutes(NodeApi api) {
        this.api = api;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/api/v1/models/pull", (req, res) -> json(res, api.modelPullStatus()))
                .post("/api/v1/models/pull", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    json(res, api.modelPull(required(b, "name"), required(b, "from"),
                            b.hasNonNull("as") ? Optional.of(b.get("as").asText()) : Optional.empty()));
                })
                .get("/api/v1/models/deploy", (req, res) -> json(res, api.modelDeployStatus()))
                .post("/api/v1/models/deploy", (req, res) -> {
                    JsonNode b = bodyOf(req);
                    List<String> to = new ArrayList<>();
                    b.path("to").forEach(t -> to.add(t.asText()));
                    json(res, api.modelDeploy(required(b, "model"), to, b.path("all").asBoolean(false)));
                })
                .get("/api/v1/models", (req, res) -> json(res, Map.of("models", api.models(flag(req, "mesh")))));
    }
}
