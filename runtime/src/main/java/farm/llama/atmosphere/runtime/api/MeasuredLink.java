package farm.llama.atmosphere.runtime.api;

import java.util.Objects;

/**
 * A link a member measures itself to another member: published in its signed profile (protocol
 * version 6) so every member can draw the mesh's topology, and shown with the member
 * ({@code links} of {@code GET /api/v1/mesh/members}). Never inferred: a link nobody measured is
 * not there.
 *
 * @param nodeId the member at the other end
 * @param transport the transport of the link ({@code websocket}, {@code relay})
 * @param rttMs the round trip it measured, to two significant digits
 */
public record MeasuredLink(String nodeId, String transport, double rttMs) {

    /** Validates. */
    public MeasuredLink {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(transport, "transport");
    }

    /**
     * @param rttMs a measured round trip
     * @return it to two significant digits (0.43, 1.2, 15, 120): enough to draw, and a profile is
     *         not republished for jitter
     */
    public static double coarse(double rttMs) {
        if (!(rttMs > 0) || Double.isInfinite(rttMs)) {
            return 0;
        }
        double scale = Math.pow(10, 1 - (int) Math.floor(Math.log10(rttMs)));
        return Math.round(rttMs * scale) / scale;
    }
}
