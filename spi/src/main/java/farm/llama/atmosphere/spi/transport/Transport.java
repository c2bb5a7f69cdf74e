package farm.llama.atmosphere.spi.transport;

import java.util.List;

/**
 * Carries opaque frames between nodes. A transport authenticates links (for example with mutual
 * TLS) but does not interpret frames: signing, verification, replay protection and sealing are
 * the node's work, so a transport can never make a forged frame acceptable.
 *
 * <p>Thread-safe. Lifecycle: created → {@link #start} once → {@link #connect} any number of
 * times → {@link #close()}. After close, links are closed and {@code connect} throws
 * {@link IllegalStateException}.
 */
public interface Transport extends AutoCloseable {

    /** @return the transport type, as its provider names it */
    String type();

    /**
     * Starts listening (if this transport listens) and delivering inbound links and frames.
     *
     * @param options where to listen and with what credentials
     * @param listener receives inbound links and every frame on any link; called from transport
     *                 threads, must not block for long
     */
    void start(TransportOptions options, TransportListener listener);

    /**
     * Opens a link to an endpoint this transport understands ({@link #accepts(String)}).
     *
     * @param endpoint for example {@code wss://10.0.0.5:11452}
     * @return an open link; frames it receives go to the listener given to {@link #start}
     * @throws farm.llama.atmosphere.spi.CallFailedException with kind {@code UNREACHABLE},
     *         {@code REFUSED} (authentication failed) or {@code TIMEOUT}
     */
    Link connect(String endpoint);

    /**
     * @param endpoint an endpoint string from an invite or gossip
     * @return whether {@link #connect} understands it (by scheme)
     */
    boolean accepts(String endpoint);

    /** @return the endpoints at which peers can reach this node through this transport; empty if it does not listen */
    List<String> endpoints();

    /**
     * @return what this transport reports for diagnostics ({@code atmosphere network}): for a relay,
     *         each relay connection, its state and round trip; plain values, lists and maps only
     */
    default java.util.Map<String, Object> status() {
        return java.util.Map.of();
    }

    /**
     * @return counters an operator watches for abuse ({@code GET /api/v1/mesh/stats}, under the
     *         transport's type): for example connections refused as {@code busy}, closed as
     *         {@code too_large} or {@code timeout}, and bytes held for peers not yet authenticated;
     *         empty when the transport keeps none. Names are snake_case; values never decrease
     *         unless they are levels (open connections, bytes held now)
     */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    /** Closes every link and stops listening. Idempotent. */
    @Override
    void close();
}
