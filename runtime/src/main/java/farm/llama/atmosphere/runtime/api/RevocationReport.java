package farm.llama.atmosphere.runtime.api;

import java.util.List;

/**
 * A revocation this node made ({@code POST /api/v1/mesh/revoke}, {@code mesh revoke --json}).
 *
 * @param node the node revoked
 * @param at when (ISO-8601)
 * @param by the founder or admin that signed it
 * @param cutOff the members whose certificates it signed, cut off with it until re-issued
 * @param spread whether the mesh runs here, so the revocation spreads now (else on next start)
 */
public record RevocationReport(String node, String at, String by, List<String> cutOff, boolean spread) {

    /** Copies. */
    public RevocationReport {
        cutOff = List.copyOf(cutOff);
    }
}
