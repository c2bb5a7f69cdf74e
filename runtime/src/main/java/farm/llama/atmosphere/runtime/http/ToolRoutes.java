package farm.llama.atmosphere.runtime.http;

import static farm.llama.atmosphere.runtime.http.Http.json;
import static farm.llama.atmosphere.runtime.http.Http.param;

import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.util.Json;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Tools: list, describe, run here or on a member ({@code ?node=}). */
final class ToolRoutes implements HttpService {

    private final NodeApi api;

    /** @param api the node */
    ToolRoutes(NodeApi api) {
        this.api = api;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/api/v1/tools", (req, res) -> json(res, Map.of("tools", api.tools())))
                .get("/api/v1/tools/{name}", (req, res) -> json(res, api.tool(param(req, "name"))))
                .post("/api/v1/tools/{name}/run", this::run);
    }

    private void run(ServerRequest req, ServerResponse res) {
        String body = req.content().hasEntity() ? req.content().as(String.class) : "{}";
        String name = param(req, "name");
        Optional<String> node = req.query().first("node").asOptional();
        String result = node.isPresent() ? api.runToolOn(node.get(), name, body) : api.runTool(name, body);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tool", name);
        out.put("result", Json.parse(result));
        json(res, out);
    }
}
