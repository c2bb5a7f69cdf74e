package farm.llama.atmosphere.runtime.api;

/**
 * A join waiting for the owner ({@code GET /api/v1/mesh/joins}, {@code approve --json}).
 *
 * @param nodeId the joiner
 * @param name its name
 * @param endpoint where it will listen
 * @param invite the invite id it came with, or "" (by address)
 * @param at when it asked (ISO-8601)
 */
public record PendingJoin(String nodeId, String name, String endpoint, String invite, String at) {
}
