package farm.llama.atmosphere.runtime.http;

import farm.llama.atmosphere.runtime.identity.AdminToken;
import farm.llama.atmosphere.runtime.identity.ApiKeys;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The API's access rules, checked before any handler runs:
 * <ul>
 *   <li>the {@code Host} header must name this machine (DNS-rebinding guard): {@code localhost},
 *       an IP literal, the host name, {@code <hostname>.local}, or a name in {@code api.allowed-hosts};</li>
 *   <li>a browser {@code Origin} must be this very origin or one in {@code api.allowed-origins} (CSRF guard);</li>
 *   <li>requests that change state need the admin token, and so does every request from a client
 *       that is not on loopback (except {@code /health}).</li>
 * </ul>
 */
final class AccessGuard {

    /**
     * Why a request was refused.
     *
     * @param status HTTP status
     * @param code machine-readable code
     * @param message what was wrong and what to do
     */
    record Refusal(Status status, String code, String message) {
    }

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Set<Method> SAFE = Set.of(Method.GET, Method.HEAD, Method.OPTIONS);
    private static final Set<String> READ_ONLY_POSTS = Set.of("/api/v1/route");

    private final Set<String> allowedHosts = new HashSet<>();
    private final Set<String> allowedOrigins = new HashSet<>();
    private final AdminToken token;
    private final ApiKeys keys;
    private final UiSessions sessions;
    private final boolean keyOnLoopback;

    AccessGuard(List<String> extraHosts, List<String> origins, AdminToken token, ApiKeys keys, UiSessions sessions, boolean keyOnLoopback,
                boolean loopbackOnly) {
        this.token = token;
        this.keys = keys;
        this.sessions = sessions;
        this.keyOnLoopback = keyOnLoopback;
        allowedHosts.add("localhost");
        // the machine's names only when the API is reachable by them: a node on loopback answers to
        // loopback names and addresses alone, so a spoofed <hostname>.local (mDNS) cannot rebind to it
        try {
            if (loopbackOnly) {
                throw new UnknownHostException("loopback only");
            }
            String hostname = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            allowedHosts.add(hostname);
            String shortName = hostname.contains(".") ? hostname.substring(0, hostname.indexOf('.')) : hostname;
            allowedHosts.add(shortName);
            allowedHosts.add(shortName + ".local");
        } catch (UnknownHostException e) {
            // no host name: loopback names and IP literals still work
        }
        extraHosts.forEach(h -> allowedHosts.add(h.toLowerCase(Locale.ROOT)));
        origins.forEach(o -> allowedOrigins.add(stripSlash(o.toLowerCase(Locale.ROOT))));
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    Optional<Refusal> check(ServerRequest req) {
        Optional<String> hostHeader = req.headers().first(HeaderNames.HOST);
        if (hostHeader.isEmpty() || !hostAllowed(hostName(hostHeader.get()))) {
            return Optional.of(new Refusal(Status.FORBIDDEN_403, "forbidden_host",
                    "Host '" + hostHeader.orElse("") + "' is not this node. Use localhost or an IP address,"
                            + " or add the name to api.allowed-hosts in config.yaml."));
        }
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isPresent()) {
            String o = stripSlash(origin.get().toLowerCase(Locale.ROOT));
            String host = hostHeader.get().toLowerCase(Locale.ROOT);
            boolean same = o.equals("http://" + host) || o.equals("https://" + host);
            if (!same && !allowedOrigins.contains(o)) {
                return Optional.of(new Refusal(Status.FORBIDDEN_403, "forbidden_origin",
                        "Cross-origin request from '" + origin.get() + "' refused. Add the origin to"
                                + " api.allowed-origins in config.yaml if you trust it."));
            }
        }
        boolean local = isLoopback(req.remotePeer().address()) && !keyOnLoopback;
        String path = req.path().path();
        // the dashboard's files hold no data, and its sign-in checks what it is given itself
        if (path.equals("/health") || UiRoutes.isPublic(path)) {
            return Optional.empty();
        }
        boolean openAi = path.startsWith("/v1/");
        // the OpenAI API and read-only requests are open to local clients (Host and Origin are still checked)
        boolean readOnly = SAFE.contains(req.prologue().method()) || openAi || READ_ONLY_POSTS.contains(path);
        if (local && readOnly) {
            return Optional.empty();
        }
        Optional<String> presented = bearer(req);
        if (presented.isPresent() && token.matches(presented.get())) {
            return Optional.empty();
        }
        Optional<ApiKeys.Scope> scope;
        try {
            Optional<ApiKeys.KeyInfo> key = presented.flatMap(keys::find);
            key.ifPresent(k -> req.context().register(k)); // who the request log names as its client, without a second lookup
            scope = key.map(ApiKeys.KeyInfo::rights);
        } catch (RuntimeException e) {
            scope = Optional.empty();
        }
        if (presented.isEmpty()) {
            // a dashboard session: a login code's carries the admin token's rights, a key's its scope
            Optional<UiSessions.Grant> grant = UiRoutes.cookie(req).flatMap(sessions::check);
            if (grant.isPresent() && grant.get().admin()) {
                return Optional.empty();
            }
            scope = grant.flatMap(UiSessions.Grant::keyScope);
        }
        boolean trigger = path.startsWith("/api/v1/triggers/") && req.prologue().method() == Method.POST;
        if (scope.isPresent() && (scope.get() == ApiKeys.Scope.ALL || (openAi && scope.get() == ApiKeys.Scope.OPENAI)
                || (trigger && scope.get() == ApiKeys.Scope.TRIGGERS))) {
            return Optional.empty();
        }
        if (scope.isPresent()) {
            return Optional.of(new Refusal(Status.FORBIDDEN_403, "insufficient_scope",
                    (scope.get() == ApiKeys.Scope.TRIGGERS ? "This API key may only fire triggers (POST /api/v1/triggers/...)."
                            : "This API key may only call the OpenAI API (/v1/...).")
                            + " Create one with 'atmosphere token create --scope all' for more."));
        }
        if (local) {
            return Optional.of(new Refusal(Status.UNAUTHORIZED_401, "admin_token_required",
                    "This request changes the node's state and needs the admin token: send 'Authorization: Bearer <token>'"
                            + " with the content of admin.token in the node's data dir. The atmosphere CLI does this for you."));
        }
        return Optional.of(new Refusal(Status.UNAUTHORIZED_401, presented.isPresent() ? "invalid_api_key" : "api_key_required",
                (presented.isPresent() ? "The API key is not valid (revoked or mistyped)." : "Clients that are not on this machine need an API key.")
                        + " Create one on the node with 'atmosphere token create' and send 'Authorization: Bearer <key>'."));
    }

    private static Optional<String> bearer(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION)
                .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(v -> v.substring(7).trim());
    }

    /**
     * @param req a request {@link #check} admitted
     * @return who it comes from, as the request log names it: {@code admin} (the admin token),
     *         {@code key:NAME} (a valid API key), {@code dashboard} (a dashboard session) or {@code local}
     */
    String clientOf(ServerRequest req) {
        Optional<String> presented = bearer(req);
        if (presented.isPresent()) {
            String p = presented.get();
            if (token.matches(p)) {
                return "admin";
            }
            // the guard found the key for a request it had to check; a local one it let through unchecked is looked up now
            return req.context().get(ApiKeys.KeyInfo.class).or(() -> keys.find(p)).map(k -> "key:" + k.name())
                    .orElse("local"); // an invalid key is admitted only from this machine's loopback
        }
        return UiRoutes.cookie(req).flatMap(sessions::check).isPresent() ? "dashboard" : "local";
    }

    /**
     * @param req a request
     * @return whether it carries the admin's rights: the admin token, or a session signed in by {@code atmosphere dashboard}
     */
    boolean isAdmin(ServerRequest req) {
        Optional<String> presented = bearer(req);
        if (presented.isPresent()) {
            return token.matches(presented.get());
        }
        return UiRoutes.cookie(req).flatMap(sessions::check).map(UiSessions.Grant::admin).orElse(false);
    }

    static String hostName(String hostHeader) {
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.lastIndexOf(':');
        return colon >= 0 ? h.substring(0, colon) : h;
    }

    private boolean hostAllowed(String name) {
        if (name.isEmpty()) {
            return false;
        }
        if (IPV4.matcher(name).matches() || (name.startsWith("[") && name.endsWith("]"))) {
            return true;
        }
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return allowedHosts.contains(n);
    }

    private static boolean isLoopback(SocketAddress address) {
        return address instanceof InetSocketAddress isa && isa.getAddress() != null && isa.getAddress().isLoopbackAddress();
    }
}
