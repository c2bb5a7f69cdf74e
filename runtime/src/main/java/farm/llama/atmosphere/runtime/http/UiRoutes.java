package farm.llama.atmosphere.runtime.http;

import static farm.llama.atmosphere.runtime.http.Http.bodyOf;
import static farm.llama.atmosphere.runtime.http.Http.error;
import static farm.llama.atmosphere.runtime.http.Http.json;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.UiLogin;
import farm.llama.atmosphere.runtime.api.UiSession;
import farm.llama.atmosphere.runtime.identity.ApiKeys;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The dashboard: its static files under {@code /ui/} (from the {@code ui} module's
 * {@code META-INF/resources/ui/}), and its sign-in under {@code /api/v1/ui/}. Every file is
 * answered with a content security policy that allows nothing from another origin and no inline
 * script, {@code nosniff}, and {@code no-cache} with an ETag, so a browser revalidates each file
 * and never mixes files of two versions after an upgrade.
 */
final class UiRoutes implements HttpService {

    /** The policy of every dashboard page. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
            + " frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    private static final String ROOT = "META-INF/resources/ui/";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "txt", "text/plain; charset=utf-8");

    /** A file of the dashboard, read once. */
    private record UiFile(byte[] bytes, String etag, String type) {
    }

    private final UiSessions sessions;
    private final ApiKeys keys;
    private final boolean tls;
    private final ClassLoader loader = UiRoutes.class.getClassLoader();
    private final Map<String, UiFile> files = new ConcurrentHashMap<>();

    /**
     * @param sessions the dashboard's codes and sessions
     * @param keys the API keys (a remote browser signs in with one)
     * @param tls whether the API is served over TLS (the cookie is then {@code Secure})
     */
    UiRoutes(UiSessions sessions, ApiKeys keys, boolean tls) {
        this.sessions = sessions;
        this.keys = keys;
        this.tls = tls;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/ui", (req, res) -> {
            res.status(Status.MOVED_PERMANENTLY_301);
            res.header(HeaderNames.LOCATION, "/ui/");
            res.send();
        })
                .get("/ui/{+path}", this::file)
                .get("/ui/", this::file)
                .post("/api/v1/ui/codes", (req, res) -> json(res, new UiLogin(sessions.newCode(), sessions.codeTtl().toSeconds())))
                .get("/api/v1/ui/session", (req, res) -> json(res, status(cookie(req))))
                .post("/api/v1/ui/session", this::signIn)
                .delete("/api/v1/ui/session", this::signOut);
    }

    /** @return whether a request path is one of the dashboard's public files (or the sign-in itself) */
    static boolean isPublic(String path) {
        return path.equals("/ui") || path.startsWith("/ui/") || path.equals("/api/v1/ui/session");
    }

    private void file(ServerRequest req, ServerResponse res) {
        String rel = req.path().path().substring("/ui".length());
        rel = rel.startsWith("/") ? rel.substring(1) : rel;
        if (rel.isEmpty()) {
            rel = "index.html";
        } else if (rel.equals("login")) {
            rel = "login.html";
        }
        Optional<UiFile> f = valid(rel) ? file(rel) : Optional.empty();
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header(HeaderNames.create("Content-Security-Policy"), CSP);
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        if (f.isEmpty()) {
            boolean none = file("index.html").isEmpty();
            error(res, Status.NOT_FOUND_404, "invalid_request_error", "not_found",
                    none ? "This build of Atmosphere has no dashboard (the ui module is not on its module path)."
                            : "The dashboard has no file " + req.path().path() + ". Open /ui/.");
            return;
        }
        UiFile file = f.get();
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.ETAG, file.etag());
        if (req.headers().first(HeaderNames.IF_NONE_MATCH).map(file.etag()::equals).orElse(false)) {
            res.status(Status.NOT_MODIFIED_304);
            res.send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, file.type());
        res.send(file.bytes());
    }

    /** @return whether a path below /ui/ is one a file may have: plain segments, a known extension, nothing hidden, no way up */
    static boolean valid(String rel) {
        String[] segments = rel.split("/", -1);
        for (String s : segments) {
            if (!SEGMENT.matcher(s).matches() || s.contains("..")) {
                return false;
            }
        }
        int dot = rel.lastIndexOf('.');
        return dot > 0 && TYPES.containsKey(rel.substring(dot + 1));
    }

    /** @return the file, read once; a missing one is not remembered (asking for many names must not fill memory) */
    private Optional<UiFile> file(String rel) {
        UiFile known = files.get(rel);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<UiFile> read = read(rel);
        read.ifPresent(f -> files.putIfAbsent(rel, f));
        return read;
    }

    private Optional<UiFile> read(String rel) {
        try (InputStream in = loader.getResourceAsStream(ROOT + rel)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            String etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 12) + "\"";
            return Optional.of(new UiFile(bytes, etag, TYPES.get(rel.substring(rel.lastIndexOf('.') + 1))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void signIn(ServerRequest req, ServerResponse res) {
        JsonNode body = bodyOf(req);
        Optional<UiSessions.Opened> opened;
        if (body.path("code").isTextual()) {
            opened = sessions.redeem(body.get("code").asText());
            if (opened.isEmpty()) {
                error(res, Status.UNAUTHORIZED_401, "invalid_request_error", "invalid_login_code",
                        "This sign-in code is not valid: it was used already, it expired, or it was mistyped. Run 'atmosphere dashboard' again.");
                return;
            }
        } else if (body.path("key").isTextual()) {
            Optional<ApiKeys.Scope> scope = keys.check(body.get("key").asText().trim());
            if (scope.isEmpty()) {
                error(res, Status.UNAUTHORIZED_401, "invalid_request_error", "invalid_api_key",
                        "The API key is not valid (revoked or mistyped). Create one on the node with 'atmosphere token create --scope all'.");
                return;
            }
            opened = Optional.of(sessions.openForKey(scope.get()));
        } else {
            error(res, Status.BAD_REQUEST_400, "invalid_request_error", "missing_required_parameter",
                    "Send {\"code\": \"...\"} (from 'atmosphere dashboard') or {\"key\": \"...\"} (an API key).");
            return;
        }
        UiSessions.Opened o = opened.get();
        long seconds = Math.max(1, o.grant().expires().getEpochSecond() - java.time.Instant.now().getEpochSecond());
        res.header(HeaderNames.SET_COOKIE, UiSessions.COOKIE + "=" + o.cookie() + "; Path=/; Max-Age=" + seconds
                + "; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : ""));
        json(res, new UiSession(true, o.grant().scopeName(), Optional.of(o.grant().expires().toString()), tls));
    }

    private void signOut(ServerRequest req, ServerResponse res) {
        cookie(req).ifPresent(sessions::end);
        res.header(HeaderNames.SET_COOKIE, UiSessions.COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : ""));
        json(res, new UiSession(false, "none", Optional.empty(), tls));
    }

    private UiSession status(Optional<String> cookie) {
        Optional<UiSessions.Grant> g = cookie.flatMap(sessions::check);
        return new UiSession(g.isPresent(), g.map(UiSessions.Grant::scopeName).orElse("none"), g.map(x -> x.expires().toString()), tls);
    }

    static Optional<String> cookie(ServerRequest req) {
        return req.headers().first(HeaderNames.COOKIE).flatMap(UiSessions::cookieOf);
    }
}
