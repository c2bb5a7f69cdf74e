package farm.llama.atmosphere.runtime.api;

import java.util.Optional;

/**
 * The dashboard session of the browser that asks ({@code GET|POST|DELETE /api/v1/ui/session}).
 *
 * @param signedIn whether its cookie names an open session
 * @param scope {@code admin} (signed in by a login code), else the API key's scope, else {@code none}
 * @param expiresAt when the session ends (ISO-8601)
 * @param tls whether the API is served over TLS (without it, a key typed in a remote browser crosses the network in clear)
 */
public record UiSession(boolean signedIn, String scope, Optional<String> expiresAt, boolean tls) {
}
