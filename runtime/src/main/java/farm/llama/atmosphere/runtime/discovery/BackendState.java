package farm.llama.atmosphere.runtime.discovery;

import farm.llama.atmosphere.spi.discovery.BackendClient;
import farm.llama.atmosphere.spi.discovery.BackendInfo;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the node knows about one backend: its client, whether it is up, its latency and speed
 * (moving averages), its last error, its load, and its capabilities. Thread-safe.
 */
public final class BackendState {

    private static final double ALPHA = 0.3;

    private final String type;
    private volatile BackendClient client;
    private volatile BackendInfo info;
    private volatile boolean up;
    private volatile double latencyMs = -1;
    private volatile double tokensPerSecond = -1;
    private volatile String lastError = "";
    private volatile Instant lastSeen;
    private volatile List<Capability> capabilities = List.of();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int concurrency;

    private volatile double nodeCost = -1;
    private volatile double linkMs = -1;

    /**
     * A backend on another member, reached over the mesh: its capabilities are the member's, its
     * client forwards over the transport.
     *
     * @param client the forwarding client (its info names the member)
     * @param concurrency requests this node sends it at once
     * @param capabilities the member's capabilities, already re-labelled for this node's router
     * @param nodeCost the member's published overall cost factor
     * @param linkMs the measured round trip to the member, or -1
     * @return the state, up
     */
    public static BackendState remote(BackendClient client, int concurrency, List<Capability> capabilities, double nodeCost, double linkMs) {
        BackendState s = new BackendState("mesh", client, concurrency);
        s.capabilities = List.copyOf(capabilities);
        s.up = true;
        s.lastSeen = Instant.now();
        s.nodeCost = nodeCost;
        s.linkMs = linkMs;
        return s;
    }

    /** @return whether this backend lives on another member */
    public boolean remote() {
        return type.equals("mesh");
    }

    /** @return the member's published overall cost factor (remote backends), or -1 */
    public double nodeCost() {
        return nodeCost;
    }

    /** @return the round trip to the member in ms (remote backends), or -1 */
    public double linkMs() {
        return linkMs;
    }

    BackendState(String type, BackendClient client, int concurrency) {
        this.type = type;
        this.client = client;
        this.info = client.info();
        this.concurrency = concurrency;
    }

    /** @return the discovery type that found it */
    public String type() {
        return type;
    }

    /** @return the backend's id */
    public String id() {
        return info.id();
    }

    /** @return its identity */
    public BackendInfo info() {
        return info;
    }

    /** @return the client */
    public BackendClient client() {
        return client;
    }

    void refresh(BackendClient c) {
        this.client = c;
        this.info = c.info();
    }

    /** @return whether it answered the last probe and no call since found it unreachable */
    public boolean up() {
        return up;
    }

    void up(List<Capability> caps, double probeMs) {
        this.capabilities = List.copyOf(caps);
        this.up = true;
        this.lastSeen = Instant.now();
        sampleLatency(probeMs);
    }

    void down(String error) {
        this.up = false;
        this.lastError = error;
    }

    /** @return moving average of latency in ms, or -1 */
    public double latencyMs() {
        return latencyMs;
    }

    /** @param ms a latency sample */
    public void sampleLatency(double ms) {
        double prev = latencyMs;
        latencyMs = prev < 0 ? ms : prev + ALPHA * (ms - prev);
    }

    /** @return moving average of generation speed, or -1 */
    public double tokensPerSecond() {
        return tokensPerSecond;
    }

    /** @param tps a speed sample */
    public void sampleSpeed(double tps) {
        double prev = tokensPerSecond;
        tokensPerSecond = prev < 0 ? tps : prev + ALPHA * (tps - prev);
    }

    /** @return the last error, or empty */
    public Optional<String> lastError() {
        return lastError.isEmpty() ? Optional.empty() : Optional.of(lastError);
    }

    /** @return when it last answered a probe */
    public Optional<Instant> lastSeen() {
        return Optional.ofNullable(lastSeen);
    }

    /** @return its capabilities at the last probe */
    public List<Capability> capabilities() {
        return capabilities;
    }

    /** @return requests running now */
    public int inFlight() {
        return inFlight.get();
    }

    /** @return its concurrency cap */
    public int concurrency() {
        return concurrency;
    }

    /** @return whether a slot was taken (release it with {@link #release()}) */
    public boolean tryAcquire() {
        while (true) {
            int n = inFlight.get();
            if (n >= concurrency) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Releases a slot. */
    public void release() {
        inFlight.decrementAndGet();
    }
}
