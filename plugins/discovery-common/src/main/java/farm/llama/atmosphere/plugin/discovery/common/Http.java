package farm.llama.atmosphere.plugin.discovery.common;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP to one backend (source shared by the discovery plugins, compiled into each), with failures
 * turned into {@link FailureKind}s that failover acts on. Runs on the calling thread over
 * {@link Http1}'s pooled keep-alive connections.
 */
public final class Http implements AutoCloseable {

    /** Shares its buffers among all threads (the default pool is per thread, and each request runs on a new virtual thread). */
    public static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build());

    private final Http1 client;
    private final URI base;
    private final Optional<String> apiKey;

    public Http(URI base, Optional<String> apiKey) {
        this.base = base;
        this.apiKey = apiKey;
        this.client = new Http1(base, Duration.ofSeconds(3));
    }

    public URI base() {
        return base;
    }

    private Map<String, String> headers() {
        return apiKey.isPresent() ? Map.of("Accept", "application/json", "Authorization", "Bearer " + apiKey.get())
                : Map.of("Accept", "application/json");
    }

    public JsonNode get(String path, Duration timeout) {
        return json(send("GET", path, null, timeout), path);
    }

    public JsonNode post(String path, JsonNode body, Duration timeout) {
        return json(send("POST", path, Http1.Body.json(body.toString()), timeout), path);
    }

    /**
     * @param path a path under the base
     * @param timeout how long it may take
     * @return the status code of a HEAD request (404 is an answer, not a failure)
     */
    public int head(String path, Duration timeout) {
        try (Http1.Response r = client.exchange("HEAD", path, headers(), null, timeout)) {
            return r.status();
        } catch (IOException e) {
            throw failure(e, path);
        }
    }

    /**
     * POSTs a file as the body.
     *
     * @param path a path under the base
     * @param file the file
     * @param timeout how long it may take
     */
    public void postFile(String path, Path file, Duration timeout) {
        if (!Files.isRegularFile(file)) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "no file " + file);
        }
        send("POST", path, Http1.Body.file(file), timeout);
    }

    /**
     * Starts a streaming POST; the caller reads the body and closes it at its end, or
     * {@link Http1.ResponseBody#abort() aborts} it to cancel the work at the backend.
     */
    public Http1.ResponseBody stream(String path, JsonNode body, Duration timeout) {
        return stream(path, body.toString(), timeout);
    }

    /** Starts a streaming POST of a JSON text; see {@link #stream(String, JsonNode, Duration)}. */
    public Http1.ResponseBody stream(String path, String json, Duration timeout) {
        Http1.Response r;
        try {
            r = client.exchange("POST", path, headers(), Http1.Body.json(json), timeout);
        } catch (IOException e) {
            throw failure(e, path);
        }
        if (r.status() >= 400) {
            String text;
            try (Http1.ResponseBody in = r.body()) {
                text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            } catch (IOException e) {
                text = "";
            }
            throw status(r.status(), text, path);
        }
        return r.body();
    }

    private String send(String method, String path, Http1.Body body, Duration timeout) {
        try (Http1.Response r = client.exchange(method, path, headers(), body, timeout)) {
            String text = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
            if (r.status() >= 400) {
                throw status(r.status(), text, path);
            }
            return text;
        } catch (IOException e) {
            throw failure(e, path);
        }
    }

    /** Closes the pooled connections. */
    @Override
    public void close() {
        client.close();
    }

    private JsonNode json(String body, String path) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.BAD_RESPONSE, base.resolve(path) + " answered with a body that is not JSON");
        }
    }

    public CallFailedException failure(IOException e, String path) {
        String where = base.resolve(path).toString();
        if (e instanceof SocketTimeoutException) {
            return new CallFailedException(FailureKind.TIMEOUT, where + " did not answer in time", e);
        }
        if (e instanceof ConnectException) {
            return new CallFailedException(FailureKind.UNREACHABLE, "no connection to " + where + ": " + e.getMessage(), e);
        }
        return new CallFailedException(FailureKind.UNREACHABLE, "cannot talk to " + where + ": " + e.getMessage(), e);
    }

    public CallFailedException status(int code, String body, String path) {
        String message = body;
        try {
            JsonNode json = JSON.readTree(body);
            JsonNode err = json.path("error");
            message = err.isTextual() ? err.asText() : err.path("message").asText(body);
        } catch (IOException | RuntimeException ignored) {
            // not JSON: keep the text
        }
        if (message.length() > 300) {
            message = message.substring(0, 300) + "…";
        }
        FailureKind kind = switch (code) {
            case 400, 422 -> FailureKind.INVALID_REQUEST;
            case 401, 403 -> FailureKind.REFUSED;
            case 404 -> FailureKind.NOT_FOUND;
            case 408, 504 -> FailureKind.TIMEOUT;
            case 429, 503 -> FailureKind.OVERLOADED;
            default -> FailureKind.BAD_RESPONSE;
        };
        return new CallFailedException(kind, base.resolve(path) + " answered " + code + ": " + message);
    }
}
