package farm.llama.atmosphere.runtime.http;

import static farm.llama.atmosphere.runtime.http.Http.error;
import static farm.llama.atmosphere.runtime.http.Http.failure;
import static farm.llama.atmosphere.runtime.http.Http.invalidParameters;
import static farm.llama.atmosphere.runtime.http.Http.json;

import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.events.EventBus;
import farm.llama.atmosphere.runtime.identity.AdminToken;
import farm.llama.atmosphere.runtime.identity.ApiKeys;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.tools.InvalidParametersException;
import farm.llama.atmosphere.runtime.usage.RequestLog;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The node's HTTP API on Helidon SE: the server, its access guard (Host, Origin, API keys, the admin
 * token) and the mapping of failures to OpenAI's error shape {@code {"error":{"message","type","code"}}}.
 * The routes live in one {@code HttpService} per area ({@link NodeRoutes}, {@link PluginRoutes},
 * {@link ToolRoutes}, {@link EventRoutes}, {@link MeshRoutes}, {@link ModelRoutes}, {@link AgentRoutes},
 * {@link OpenAiApi}); their handlers are thin, translating between HTTP and {@link NodeApi}.
 */
public final class ApiServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ApiServer.class.getName());

    private final WebServer server;
    private volatile boolean running = true;

    /** @return whether an address to bind is a loopback one (a name is resolved; one that does not resolve is not) */
    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Starts the server.
     *
     * @param config the node config (host, port, guards, TLS)
     * @param host the address to bind
     * @param port the port to bind (0 for any free one)
     * @param api the node
     * @param health the body of {@code /health}
     * @param events the live event stream
     * @param token the admin token
     * @param stop asks the node to stop; run after the admin's {@code POST /api/v1/node/stop} has its answer
     * @throws AtmosphereException if the address cannot be bound, saying what to do
     */
    public ApiServer(NodeConfig config, String host, int port, NodeApi api, Supplier<Map<String, Object>> health,
                     EventBus events, AdminToken token, RouterService router,
                     ApiKeys keys, Runnable stop) {
        UiSessions sessions = new UiSessions(java.time.Clock.systemUTC(), config.view().duration("ui.login-code-ttl").orElseThrow(),
                config.view().duration("ui.session-ttl").orElseThrow());
        AccessGuard guard = new AccessGuard(config.allowedHosts(), config.allowedOrigins(), token, keys, sessions,
                config.requireKeyOnLoopback(), loopback(host));
        RequestLog requests = new RequestLog(events::publish, java.time.Clock.systemUTC(), config.view().bool("ui.show-prompts").orElse(false));
        HttpRouting.Builder routing = HttpRouting.builder()
                .addFilter((chain, req, res) -> {
                    Optional<AccessGuard.Refusal> refusal = guard.check(req);
                    if (refusal.isPresent()) {
                        AccessGuard.Refusal r = refusal.get();
                        error(res, r.status(), r.code(), r.code(), r.message());
                    } else {
                        chain.proceed();
                    }
                })
                .get("/health", (req, res) -> json(res, health.get()))
                .post("/api/v1/node/stop", (req, res) -> {
                    // how 'atmosphere stop' ends a node where there are no signals (Windows); the admin's alone
                    if (!guard.isAdmin(req)) {
                        error(res, Status.FORBIDDEN_403, "permission_error", "admin_only",
                                "Only the admin token stops the node: run 'atmosphere stop' on its machine, as the user that runs it.");
                        return;
                    }
                    res.status(Status.ACCEPTED_202);
                    json(res, Map.of("stopping", true));
                    stop.run();
                })
                // the OpenAI API first: routes are tried in order, and its requests are the ones to serve fastest
                .register(new OpenAiApi(router, requests, guard::clientOf),
                        new NodeRoutes(api, router), new PluginRoutes(api), new ToolRoutes(api), new EventRoutes(events, () -> running, guard::isAdmin),
                        new MeshRoutes(api), new ModelRoutes(api), new AgentRoutes(api),
                        new UsageRoutes(requests, guard::isAdmin), new SettingsRoutes(keys, config, guard::isAdmin),
                        new UiRoutes(sessions, keys, config.tlsKeystore().isPresent()));
        routing.error(ApiError.class, (req, res, e) -> {
                    if (e.retryAfter > 0) {
                        res.header(HeaderNames.RETRY_AFTER, Integer.toString(e.retryAfter));
                    }
                    error(res, e.status, e.type, e.code, e.param, e.getMessage());
                })
                .error(CallFailedException.class, (req, res, e) -> {
                    if (e instanceof InvalidParametersException invalid) {
                        invalidParameters(res, invalid); // a form shows each problem beside its field
                    } else {
                        failure(res, e);
                    }
                })
                .error(HttpException.class, (req, res, e) -> {
                    // Helidon's own answers (no route: 404, wrong method: 405), in the OpenAI error shape
                    Status status = e.status();
                    String what = req.prologue().method().text() + " " + req.path().path();
                    String message = switch (status.code()) {
                        case 404 -> "No such endpoint: " + what + ". The API is under /v1/ (OpenAI-compatible) and /api/v1/; see the README.";
                        case 405 -> "Method not allowed: " + what + ".";
                        default -> e.getMessage();
                    };
                    error(res, status, status.code() >= 500 ? "server_error" : "invalid_request_error",
                            status.reasonPhrase().toLowerCase(Locale.ROOT).replace(' ', '_'), message);
                })
                .error(AtmosphereException.class, (req, res, e) ->
                        error(res, Status.BAD_REQUEST_400, "invalid_request_error", "bad_request", e.getMessage()))
                .error(RuntimeException.class, (req, res, e) -> {
                    LOG.log(System.Logger.Level.ERROR, () -> "Request " + req.path().path() + " failed", e);
                    error(res, Status.INTERNAL_SERVER_ERROR_500, "server_error", "internal",
                            "The node failed to handle this request: " + e.getClass().getSimpleName());
                });
        var builder = WebServer.builder()
                .host(host)
                .port(port)
                .maxPayloadSize(config.maxBodySize())
                // streamed tokens must leave at once: without TCP_NODELAY, Nagle's algorithm and the
                // client's delayed ACK hold each small chunk for ~40 ms
                .connectionOptions(o -> o.tcpNoDelay(true))
                .shutdownHook(false)
                .addRouting(routing);
        if (config.tlsKeystore().isPresent()) {
            builder.tls(tls(config));
        } else if (!isLoopback(host)) {
            String bar = "!".repeat(78);
            LOG.log(System.Logger.Level.WARNING, () -> "\n" + bar + "\n!! The API is bound to " + host
                    + " WITHOUT TLS: tokens and prompts cross the network in clear text.\n"
                    + "!! Set api.tls.keystore in config.yaml, or bind to 127.0.0.1.\n" + bar);
        }
        requirePortFree(host, port, "Choose another with --port, api.port or ATMOSPHERE_PORT.");
        try {
            this.server = builder.build().start();
        } catch (RuntimeException e) {
            throw new AtmosphereException("Cannot listen on " + host + ":" + port + " (" + rootMessage(e)
                    + "). Is another program using the port? Choose another with --port, api.port or ATMOSPHERE_PORT.", e);
        }
        if (!server.isRunning() || server.port() < 0) { // Helidon logs a failed bind and returns a stopped server
            server.stop();
            throw new AtmosphereException("Cannot listen on " + host + ":" + port
                    + ". Is another program using the port? Choose another with --port, api.port or ATMOSPHERE_PORT.");
        }
    }

    /**
     * Fails early, with one clear line, when the port is taken (Helidon would log a stack trace and
     * return a stopped server; callers check for that too, as the port can be taken in between).
     *
     * @param host the address to bind
     * @param port the port; 0 is always free
     * @param hint what the user can change
     * @throws AtmosphereException if something already listens there
     */
    public static void requirePortFree(String host, int port, String hint) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(host, port), 1);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot listen on " + host + ":" + port + " (" + e.getMessage() + "). Is another program using the port? "
                    + hint);
        }
    }

    private static Tls tls(NodeConfig config) {
        return tls(config.tlsKeystore().get(), config.tlsKeystorePassword().orElse(""), "api.tls.keystore");
    }

    /**
     * Reads a PKCS#12 key store into a server TLS configuration.
     *
     * @param keystore the file: one key and its certificate chain
     * @param password its password
     * @param setting the setting or option that named the file, for the error message
     * @return the TLS configuration
     * @throws AtmosphereException naming the file and the setting when it cannot be used
     */
    public static Tls tls(Path keystore, String password, String setting) {
        try (InputStream in = Files.newInputStream(keystore)) {
            char[] secret = password.toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, secret);
            String alias = ks.aliases().nextElement();
            var key = (PrivateKey) ks.getKey(alias, secret);
            var chain = ks.getCertificateChain(alias);
            List<X509Certificate> certs = new ArrayList<>();
            for (var c : chain) {
                certs.add((X509Certificate) c);
            }
            return Tls.builder().privateKey(key).privateKeyCertChain(certs).build();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new AtmosphereException("Cannot use " + setting + " " + keystore + ": "
                    + rootMessage(e) + ". It must be a PKCS#12 file with one key and its certificate chain.", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** @return the bound port */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        running = false;
        server.stop();
    }
}
