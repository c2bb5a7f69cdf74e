package farm.llama.atmosphere.plugin.discovery.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** HTTP to one backend (source shared by the discovery plugins, compiled into each), with failures turned into {@link FailureKind}s that failover acts on. */
public final class Http {

    public static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final URI base;
    private final Optional<String> apiKey;

    public Http(URI base, Optional<String> apiKey) {
        this.base = base;
        this.apiKey = apiKey;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    public URI base() {
        return base;
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Accept", "application/json");
        apiKey.ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return b;
    }

    public JsonNode get(String path, Duration timeout) {
        return json(send(request(path, timeout).GET().build()), path);
    }

    public JsonNode post(String path, JsonNode body, Duration timeout) {
        return json(send(request(path, timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build()), path);
    }

    /**
     * @param path a path under the base
     * @param timeout how long it may take
     * @return the status code of a HEAD request (404 is an answer, not a failure)
     */
    public int head(String path, Duration timeout) {
        try {
            return client.send(request(path, timeout).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw failure(e, path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.CANCELLED, "cancelled while calling " + base.resolve(path));
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
        try {
            send(request(path, timeout).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofFile(file)).build());
        } catch (FileNotFoundException e) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "no file " + file);
        }
    }

    /** Starts a streaming POST; the caller reads and closes the body. */
    public InputStream stream(String path, JsonNode body, Duration timeout) {
        HttpRequest req = request(path, timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        HttpResponse<InputStream> r;
        try {
            r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw failure(e, path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.CANCELLED, "cancelled while calling " + base.resolve(path));
        }
        if (r.statusCode() >= 400) {
            String text;
            try (InputStream in = r.body()) {
                text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            } catch (IOException e) {
                text = "";
            }
            throw status(r.statusCode(), text, path);
        }
        return r.body();
    }

    private HttpResponse<String> send(HttpRequest req) {
        try {
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 400) {
                throw status(r.statusCode(), r.body(), req.uri().getPath());
            }
            return r;
        } catch (IOException e) {
            throw failure(e, req.uri().getPath());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.CANCELLED, "cancelled while calling " + req.uri());
        }
    }

    private JsonNode json(HttpResponse<String> r, String path) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.BAD_RESPONSE, base.resolve(path) + " answered with a body that is not JSON");
        }
    }

    public CallFailedException failure(IOException e, String path) {
        String where = base.resolve(path).toString();
        if (e instanceof HttpConnectTimeoutException) {
            return new CallFailedException(FailureKind.UNREACHABLE, "no connection to " + where + " in time", e);
        }
        if (e instanceof HttpTimeoutException) {
            return new CallFailedException(FailureKind.TIMEOUT, where + " did not answer in time", e);
        }
        if (e instanceof ConnectException) {
            return new CallFailedException(FailureKind.UNREACHABLE, "connection refused by " + where, e);
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
