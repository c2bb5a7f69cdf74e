package farm.llama.atmosphere.spi.discovery;

import java.util.List;

/**
 * Finds running backends of one kind and keeps a client for each.
 *
 * <p>Thread-safe: the runtime calls {@link #scan(List)} periodically from one thread while
 * clients it returned are used concurrently from others. After {@link #close()} every client
 * it returned is closed and {@code scan} throws {@link IllegalStateException}.
 */
public interface DiscoveryBackend extends AutoCloseable {

    /**
     * Probes the configured backends and, when {@code probeDefaultPorts} allows, this kind's
     * default ports on loopback. Unreachable backends are simply absent from the result; this
     * method does not throw for them.
     *
     * @param configured backends of this type listed in {@code config.yaml}
     * @param probeDefaultPorts whether to probe the kind's default ports on loopback
     * @return a client for each backend that answered; the same backend yields the same client
     *         instance across scans while it stays up
     */
    List<BackendClient> scan(List<BackendEndpoint> configured, boolean probeDefaultPorts);

    /** Closes every client and releases resources. Idempotent. */
    @Override
    void close();
}
