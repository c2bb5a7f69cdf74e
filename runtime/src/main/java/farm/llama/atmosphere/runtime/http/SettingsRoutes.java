package farm.llama.atmosphere.runtime.http;

import static farm.llama.atmosphere.runtime.http.Http.json;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.identity.ApiKeys;
import farm.llama.atmosphere.runtime.util.Json;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The admin's settings over the API, for the dashboard: API keys ({@code GET /api/v1/keys},
 * {@code POST /api/v1/keys} — the key's secret in that answer only —, {@code DELETE /api/v1/keys/ID})
 * and the configuration in effect ({@code GET /api/v1/config}, every secret replaced by {@code "(set)"}).
 * The admin's alone: the admin token or a dashboard signed in by {@code atmosphere dashboard}; an API
 * key, whatever its scope, neither sees nor makes keys.
 */
final class SettingsRoutes implements HttpService {

    /** Names of configuration entries whose values are secrets. */
    private static final Pattern SECRET = Pattern.compile("(?i).*(password|api-key|apikey|secret|token|credential).*");

    private final ApiKeys keys;
    private final NodeConfig config;
    private final Predicate<ServerRequest> admin;

    SettingsRoutes(ApiKeys keys, NodeConfig config, Predicate<ServerRequest> admin) {
        this.keys = keys;
        this.config = config;
        this.admin = admin;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/api/v1/keys", (req, res) -> {
                    requireAdmin(req, "list API keys");
                    json(res, Map.of("keys", keys.list()));
                })
                .post("/api/v1/keys", this::create)
                .delete("/api/v1/keys/{id}", (req, res) -> {
                    requireAdmin(req, "revoke API keys");
                    String id = req.path().pathParameters().get("id");
                    if (!keys.revoke(id)) {
                        throw new ApiError(Status.NOT_FOUND_404, "invalid_request_error", "key_not_found", "id",
                                "No API key '" + id + "': 'atmosphere token list' shows the keys.");
                    }
                    json(res, Map.of("revoked", id));
                })
                .get("/api/v1/config", (req, res) -> {
                    requireAdmin(req, "read the configuration");
                    json(res, Map.of("config", redact(effective(config.asMap()))));
                });
    }

    private void requireAdmin(ServerRequest req, String what) {
        if (!admin.test(req)) {
            throw new ApiError(Status.FORBIDDEN_403, "permission_error", "admin_only", null,
                    "Only the node's admin may " + what + ": sign in to the dashboard with 'atmosphere dashboard' on the node's machine"
                            + " (an API key, whatever its scope, may not).");
        }
    }

    private void create(ServerRequest req, ServerResponse res) {
        requireAdmin(req, "create API keys");
        JsonNode body;
        try {
            body = Json.parse(req.content().hasEntity() ? req.content().as(String.class) : "{}");
        } catch (IllegalArgumentException e) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_json", null, "The body is not JSON: " + e.getMessage());
        }
        String name = body.path("name").asText("").strip();
        if (name.isEmpty() || name.length() > 64 || name.chars().anyMatch(Character::isISOControl)) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "name",
                    "'name' says what the key is for: 1 to 64 characters, no control characters.");
        }
        String scope = body.path("scope").asText("openai");
        ApiKeys.NewKey k;
        try {
            k = keys.create(name, scope);
        } catch (farm.llama.atmosphere.spi.AtmosphereException e) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", "scope", e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", k.info().id());
        out.put("name", k.info().name());
        out.put("scope", k.info().scope());
        out.put("createdAt", k.info().createdAt());
        out.put("key", k.key());
        res.status(Status.CREATED_201);
        json(res, out);
    }

    /** @return the configuration as given (config.yaml, ATMOSPHERE_*), with every key's default where none was given */
    @SuppressWarnings("unchecked")
    static Map<String, Object> effective(Map<String, Object> given) {
        Map<String, Object> out = (Map<String, Object>) copy(given);
        for (farm.llama.atmosphere.runtime.config.ConfigKey key : farm.llama.atmosphere.runtime.config.ConfigKey.ALL) {
            if (key.defaultValue() == null || key.name().matches(".*[<*{].*")) {
                continue;
            }
            Map<String, Object> at = out;
            String[] parts = key.name().split("\\.");
            for (int i = 0; i < parts.length - 1 && at != null; i++) {
                Object next = at.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
                at = next instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
            }
            if (at != null) {
                at.putIfAbsent(parts[parts.length - 1], key.defaultValue());
            }
        }
        return out;
    }

    private static Object copy(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), copy(v)));
            return out;
        }
        if (value instanceof List<?> l) {
            return new ArrayList<>(l.stream().map(SettingsRoutes::copy).toList());
        }
        return value;
    }

    /** @return the tree with the value of every entry whose name says it is a secret replaced by "(set)" */
    static Object redact(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), SECRET.matcher(String.valueOf(k).toLowerCase(Locale.ROOT)).matches() && v != null
                    ? "(set)" : redact(v)));
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(redact(v)));
            return out;
        }
        return value;
    }
}
