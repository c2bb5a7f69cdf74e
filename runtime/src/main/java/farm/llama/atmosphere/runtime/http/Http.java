package farm.llama.atmosphere.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/** What every route of the node's API does the same way: read the body and its fields, answer JSON, answer errors in the OpenAI shape. */
final class Http {

    private Http() {
    }

    /**
     * @param req a request
     * @param name a path parameter
     * @return its value
     */
    static String param(ServerRequest req, String name) {
        return req.path().pathParameters().get(name);
    }

    /**
     * @param req a request
     * @return its body as JSON (an empty body is {@code {}})
     * @throws ApiError 400 when it is not JSON
     */
    static JsonNode bodyOf(ServerRequest req) {
        try {
            JsonNode body = Json.parse(bytesOf(req));
            return body.isMissingNode() ? Json.MAPPER.createObjectNode() : body; // no body, or only blanks
        } catch (IllegalArgumentException e) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_json", null, "the body is not JSON: " + e.getMessage());
        }
    }

    /**
     * @param req a request
     * @return its body's bytes, read into an array of its size when it says its length (empty without a body)
     */
    static byte[] bytesOf(ServerRequest req) {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            OptionalLong length = req.headers().contentLength();
            return length.isPresent() && length.getAsLong() <= Integer.MAX_VALUE ? in.readNBytes((int) length.getAsLong()) : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param req a request
     * @param name a field of its JSON body
     * @return the field's text
     * @throws ApiError 400 when it is missing or blank
     */
    static String field(ServerRequest req, String name) {
        return required(bodyOf(req), name);
    }

    /**
     * @param body a JSON body
     * @param name a field that, if present, must be a JSON object
     * @return it, or an empty object when absent
     * @throws ApiError 400 when it is not an object
     */
    static JsonText object(JsonNode body, String name) {
        JsonNode v = body.path(name);
        if (v.isMissingNode() || v.isNull()) {
            return JsonText.EMPTY_OBJECT;
        }
        if (!v.isObject()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_type", name, "'" + name + "' must be a JSON object");
        }
        return new JsonText(v.toString());
    }

    /**
     * @param body a JSON body
     * @param name a required field
     * @return its text
     * @throws ApiError 400 when it is missing or blank
     */
    static String required(JsonNode body, String name) {
        String v = body.path(name).asText("");
        if (v.isBlank()) {
            throw new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "missing_required_parameter", name,
                    "'" + name + "' is required");
        }
        return v;
    }

    /**
     * @param req a request
     * @param name a query parameter
     * @return whether it says {@code true} or {@code 1}
     */
    static boolean flag(ServerRequest req, String name) {
        return req.query().first(name).map(v -> v.equals("true") || v.equals("1")).orElse(false);
    }

    /**
     * @param res the response
     * @param body what to send, as JSON
     */
    static void json(ServerResponse res, Object body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send((Json.write(body)).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param res the response
     * @param e a failed call, answered with the status its kind means
     */
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
        String type = e.kind() == FailureKind.INVALID_REQUEST ? "invalid_request_error" : e.kind().name().toLowerCase(Locale.ROOT);
        if (e.kind() == FailureKind.OVERLOADED) {
            res.header(HeaderNames.RETRY_AFTER, "5"); // busy now (a full queue, a limit reached): worth asking again soon
        }
        error(res, status, type, e.kind().name().toLowerCase(Locale.ROOT), e.getMessage());
    }

    /** Answers an error without a parameter. */
    static void error(ServerResponse res, Status status, String type, String code, String message) {
        error(res, status, type, code, null, message);
    }

    /**
     * Answers an error in the OpenAI shape: {@code {"error": {message, type, param, code}}}.
     *
     * @param res the response
     * @param status its status
     * @param type the error type
     * @param code the error code
     * @param param the parameter at fault, or null
     * @param message what went wrong and what to do
     */
    static void error(ServerResponse res, Status status, String type, String code, String param, String message) {
        send(res, status, errorBody(type, code, param, message));
    }

    private static Map<String, Object> errorBody(String type, String code, String param, String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("message", message);
        err.put("type", type);
        err.put("param", param);
        err.put("code", code);
        return err;
    }

    private static void send(ServerResponse res, Status status, Map<String, Object> err) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.write(Map.of("error", err)).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Answers a tool's arguments that do not match its schema: the OpenAI error shape, {@code param}
     * the first parameter at fault, and {@code fields}: every problem with its parameter's path.
     */
    static void invalidParameters(ServerResponse res, farm.llama.atmosphere.runtime.tools.InvalidParametersException e) {
        List<Map<String, String>> fields = e.problems().stream().map(p -> Map.of("param", p.path(), "message", p.message())).toList();
        Map<String, Object> err = errorBody("invalid_request_error", "invalid_parameters", fields.isEmpty() ? null : fields.get(0).get("param"),
                e.getMessage());
        err.put("fields", fields);
        send(res, Status.BAD_REQUEST_400, err);
    }
}
