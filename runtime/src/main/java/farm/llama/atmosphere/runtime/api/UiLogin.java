package farm.llama.atmosphere.runtime.api;

/**
 * A single-use code that signs a browser in to the dashboard with the admin token's rights
 * ({@code POST /api/v1/ui/codes}, what {@code atmosphere dashboard} asks for).
 *
 * @param code the code (the browser POSTs it; it never goes in a URL the server sees)
 * @param expiresInSeconds how long it may be used
 */
public record UiLogin(String code, long expiresInSeconds) {
}
