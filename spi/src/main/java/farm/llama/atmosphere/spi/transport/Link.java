package farm.llama.atmosphere.spi.transport;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One connection to a peer. Frames are delivered whole and in order.
 *
 * <p>Thread-safe: {@link #send} may be called from several threads; frames are not interleaved.
 */
public interface Link extends AutoCloseable {

    /** @return the transport that made this link */
    String transport();

    /** @return the remote endpoint or address, for display */
    String remote();

    /**
     * @return the certificate chain the peer authenticated with (mutual TLS), leaf first; empty
     *         when the transport does not authenticate links (relay, in-memory) or before a joiner has a certificate
     */
    List<X509Certificate> peerCertificates();

    /**
     * Sends one frame.
     *
     * @param frame the bytes; the transport does not modify them and the caller must not either
     * @return completes when the frame is handed to the network, exceptionally with a
     *         {@link farm.llama.atmosphere.spi.CallFailedException} if the link failed
     */
    CompletableFuture<Void> send(byte[] frame);

    /**
     * @return whether frames on this link pass through a third party (a relay) that must not read
     *         them, so the node seals payloads end-to-end before sending them here
     */
    default boolean needsSealing() {
        return false;
    }

    /** @return whether the link is still open */
    boolean isOpen();

    /** Closes the link. Idempotent. */
    @Override
    void close();
}
