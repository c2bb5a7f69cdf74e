package farm.llama.atmosphere.runtime.http;

import farm.llama.atmosphere.runtime.identity.ApiKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The dashboard's sign-in: single-use login codes that {@code atmosphere dashboard} asks for with
 * the admin token, and the browser sessions they (or an API key) open. A session is named by a
 * random cookie value; only its SHA-256 is kept. All in memory and bounded: a restart signs every
 * browser out, and the oldest code or session goes when a new one would exceed the bound.
 */
final class UiSessions {

    /** The cookie that carries a session. */
    static final String COOKIE = "atmosphere_session";
    /** Codes outstanding at once. */
    static final int MAX_CODES = 16;
    /** Sessions open at once. */
    static final int MAX_SESSIONS = 64;

    /**
     * What a session may do.
     *
     * @param admin whether it carries the admin token's rights (signed in by a login code)
     * @param keyScope otherwise, the scope of the API key it was opened with
     * @param expires when it ends
     */
    record Grant(boolean admin, Optional<ApiKeys.Scope> keyScope, Instant expires) {

        /** @return the scope's name as the API reports it */
        String scopeName() {
            return admin ? "admin" : keyScope.map(s -> s.name().toLowerCase(java.util.Locale.ROOT)).orElse("none");
        }
    }

    /**
     * A session just opened.
     *
     * @param cookie the value to set in the browser (never stored here)
     * @param grant what it may do
     */
    record Opened(String cookie, Grant grant) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Duration codeTtl;
    private final Duration sessionTtl;
    private final Map<String, Instant> codes = new LinkedHashMap<>();
    private final Map<String, Grant> sessions = new LinkedHashMap<>();

    /**
     * @param clock the time
     * @param codeTtl how long a login code may be redeemed ({@code ui.login-code-ttl})
     * @param sessionTtl how long a session lasts ({@code ui.session-ttl})
     */
    UiSessions(Clock clock, Duration codeTtl, Duration sessionTtl) {
        this.clock = clock;
        this.codeTtl = codeTtl;
        this.sessionTtl = sessionTtl;
    }

    /** @return a new single-use login code */
    synchronized String newCode() {
        String code = token();
        codes.put(digest(code), clock.instant().plus(codeTtl));
        while (codes.size() > MAX_CODES) {
            codes.remove(codes.keySet().iterator().next());
        }
        return code;
    }

    /** @return how long a code lasts */
    Duration codeTtl() {
        return codeTtl;
    }

    /**
     * Spends a login code: a code works once, and only before it expires.
     *
     * @param code what the browser sent
     * @return an admin session, or empty when the code is unknown, spent or expired
     */
    synchronized Optional<Opened> redeem(String code) {
        Instant expires = codes.remove(digest(code));
        if (expires == null || !clock.instant().isBefore(expires)) {
            return Optional.empty();
        }
        return Optional.of(open(true, Optional.empty()));
    }

    /**
     * @param scope the scope of an API key the browser presented (already checked)
     * @return a session with that key's rights
     */
    synchronized Opened openForKey(ApiKeys.Scope scope) {
        return open(false, Optional.of(scope));
    }

    private Opened open(boolean admin, Optional<ApiKeys.Scope> scope) {
        String cookie = token();
        Grant grant = new Grant(admin, scope, clock.instant().plus(sessionTtl));
        sessions.put(digest(cookie), grant);
        while (sessions.size() > MAX_SESSIONS) {
            sessions.remove(sessions.keySet().iterator().next());
        }
        return new Opened(cookie, grant);
    }

    /**
     * @param cookie a session cookie's value
     * @return its grant while the session lasts
     */
    synchronized Optional<Grant> check(String cookie) {
        String key = digest(cookie);
        Grant g = sessions.get(key);
        if (g != null && !clock.instant().isBefore(g.expires())) {
            sessions.remove(key);
            return Optional.empty();
        }
        return Optional.ofNullable(g);
    }

    /**
     * Ends a session (signing out).
     *
     * @param cookie its cookie's value
     * @return whether it was open
     */
    synchronized boolean end(String cookie) {
        return sessions.remove(digest(cookie)) != null;
    }

    /**
     * @param header a {@code Cookie} request header
     * @return the session cookie's value in it
     */
    static Optional<String> cookieOf(String header) {
        for (String part : header.split(";")) {
            String p = part.trim();
            if (p.startsWith(COOKIE + "=") && p.length() > COOKIE.length() + 1) {
                return Optional.of(p.substring(COOKIE.length() + 1));
            }
        }
        return Optional.empty();
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
