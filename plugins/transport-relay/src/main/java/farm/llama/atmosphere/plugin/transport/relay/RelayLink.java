package farm.llama.atmosphere.plugin.transport.relay;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.Link;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A member reached through a relay — or, for join traffic, a joiner (on its issuer) or the issuer
 * (on a joiner). Frames to it are sealed by the node; this only addresses them: a kind byte, the
 * length of the peer's node id (2 bytes) and the node id, then the frame. Thread-safe.
 */
final class RelayLink implements Link {

    private final RelayConnection connection;
    private final String node;
    private final byte kind;
    private final byte[] prefix;
    private volatile boolean open = true;

    /**
     * @param connection the relay connection it goes through
     * @param node the peer's node id
     * @param kind {@link RelayConnection#ENVELOPE} to a member, {@link RelayConnection#JOIN} for join traffic
     */
    RelayLink(RelayConnection connection, String node, byte kind) {
        this.connection = connection;
        this.node = node;
        this.kind = kind;
        byte[] id = node.getBytes(StandardCharsets.UTF_8);
        this.prefix = new byte[3 + id.length];
        prefix[0] = kind;
        prefix[1] = (byte) (id.length >> 8);
        prefix[2] = (byte) id.length;
        System.arraycopy(id, 0, prefix, 3, id.length);
    }

    /** @return the peer's node id */
    String node() {
        return node;
    }

    /** @return the kind of the frames it carries */
    byte kind() {
        return kind;
    }

    @Override
    public String transport() {
        return RelayTransport.TYPE;
    }

    @Override
    public String remote() {
        return RelayTransport.SCHEME + node + (kind == RelayConnection.JOIN && !connection.joining() ? " (joining)" : "")
                + " via " + connection.url();
    }

    @Override
    public List<X509Certificate> peerCertificates() {
        return kind == RelayConnection.JOIN ? List.of() : connection.certificatesOf(node); // a joiner has no certificate yet
    }

    @Override
    public boolean needsSealing() {
        return true;
    }

    @Override
    public CompletableFuture<Void> send(byte[] frame) {
        if (!isOpen()) {
            return CompletableFuture.failedFuture(new CallFailedException(FailureKind.UNREACHABLE,
                    node + " is not connected to relay " + connection.url()));
        }
        ByteBuffer b = ByteBuffer.allocate(prefix.length + frame.length);
        b.put(prefix).put(frame).flip();
        return connection.sendBinary(b);
    }

    @Override
    public boolean isOpen() {
        return open && connection.usable();
    }

    /** @param why the peer or the relay went away: the node is told once */
    void gone(String why) {
        if (open) {
            open = false;
            connection.listener().closed(this, why);
        }
    }

    @Override
    public void close() {
        open = false;
        connection.forget(this);
    }
}
