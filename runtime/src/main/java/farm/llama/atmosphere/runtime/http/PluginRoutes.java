package farm.llama.atmosphere.runtime.http;

import static farm.llama.atmosphere.runtime.http.Http.json;
import static farm.llama.atmosphere.runtime.http.Http.param;

import farm.llama.atmosphere.runtime.NodeApi;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.Map;
import java.util.Optional;

/** Plugins: list, enable, disable, reload (one or all). */
final class PluginRoutes implements HttpService {

    private final NodeApi api;

    /** @param api the node */
    PluginRoutes(NodeApi api) {
        this.api = api;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/api/v1/plugins", (req, res) -> json(res, Map.of("plugins", api.plugins())))
                .post("/api/v1/plugins/reload", (req, res) -> json(res, Map.of("plugins", api.reloadPlugins(Optional.empty()))))
                .post("/api/v1/plugins/{id}/reload", (req, res) ->
                        json(res, Map.of("plugins", api.reloadPlugins(Optional.of(param(req, "id"))))))
                .post("/api/v1/plugins/{id}/enable", (req, res) -> json(res, api.enablePlugin(param(req, "id"))))
                .post("/api/v1/plugins/{id}/disable", (req, res) -> json(res, api.disablePlugin(param(req, "id"))));
    }
}
