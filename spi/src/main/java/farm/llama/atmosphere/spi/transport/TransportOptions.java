package farm.llama.atmosphere.spi.transport;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * How a transport should listen and authenticate.
 *
 * @param host the address to bind, for example {@code 0.0.0.0} or {@code 127.0.0.1}
 * @param port the port to bind; 0 picks a free one (see {@link Transport#endpoints()}); {@link #NO_LISTEN}
 *             for a transport that only connects out (a joiner before it has a certificate)
 * @param tls supplies the current TLS context built from the node's mesh certificate; consulted
 *            for each new link so renewed certificates take effect; empty before the node has one
 * @param credentials this node's membership, for a transport that proves it to a third party
 *                    (a relay); empty before the node is a member
 * @param join a joiner's pass, for a transport that reaches the issuer of an invite through a
 *             third party (a relay) before this node is a member; empty otherwise
 */
public record TransportOptions(String host, int port, Optional<Supplier<SSLContext>> tls, Optional<MeshCredentials> credentials,
                               Optional<JoinPass> join) {

    /** The port value of a transport that does not listen. */
    public static final int NO_LISTEN = -1;

    /** Validates. */
    public TransportOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(join, "join");
        if (port < NO_LISTEN || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * Options with membership credentials, or none, and no join pass.
     *
     * @param host the address to bind
     * @param port the port to bind
     * @param tls supplies the TLS context
     * @param credentials this node's membership
     */
    public TransportOptions(String host, int port, Optional<Supplier<SSLContext>> tls, Optional<MeshCredentials> credentials) {
        this(host, port, tls, credentials, Optional.empty());
    }

    /**
     * Options without membership credentials.
     *
     * @param host the address to bind
     * @param port the port to bind
     * @param tls supplies the TLS context
     */
    public TransportOptions(String host, int port, Optional<Supplier<SSLContext>> tls) {
        this(host, port, tls, Optional.empty(), Optional.empty());
    }

    /** @return whether the transport should listen */
    public boolean listens() {
        return port != NO_LISTEN;
    }
}
