package farm.llama.atmosphere.spi.transport;

/**
 * Receives what arrives on a transport's links. Called from transport threads; implementations
 * must be thread-safe and must not block for long.
 */
public interface TransportListener {

    /**
     * A peer opened a link to us.
     *
     * @param link the new link
     */
    default void opened(Link link) {
    }

    /**
     * A frame arrived.
     *
     * @param link the link it came on
     * @param frame its bytes; the listener owns them
     */
    void frame(Link link, byte[] frame);

    /**
     * The transport learned that a peer can be reached at an endpoint without having exchanged a
     * frame with it yet — a member that just connected to the same relay — so the node can try a
     * member it had written off.
     *
     * @param endpoint for example {@code relay:<node id>}
     */
    default void reachable(String endpoint) {
    }

    /**
     * A link closed, by either side or by failure.
     *
     * @param link the link
     * @param reason why, for display
     */
    default void closed(Link link, String reason) {
    }
}
