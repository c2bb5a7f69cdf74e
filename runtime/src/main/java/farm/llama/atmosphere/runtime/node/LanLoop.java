package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.api.NearbyNode;
import farm.llama.atmosphere.runtime.mesh.LanPresence;
import farm.llama.atmosphere.runtime.mesh.MeshService;
import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * The node on the LAN (mDNS, {@code _atmosphere._tcp}): while it serves, one virtual thread
 * advertises it every two seconds and hands members of its own mesh it hears to the mesh; without
 * it, {@link #nearby()} listens for a few seconds once.
 */
public final class LanLoop implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LanLoop.class.getName());
    /** How often the node re-advertises and looks at what it heard. */
    private static final long ROUND_MILLIS = 2000;
    /** How long a one-off look listens: mDNS answers within a few seconds. */
    /** {@code nearby} without a running loop listens until no new node is heard for this long... */
    private static final Duration QUIET = Duration.ofMillis(1500);
    /** ...or this long in all. */
    private static final Duration LISTEN = Duration.ofSeconds(5);

    private final MeshService mesh;
    private final String nodeId;
    private final String name;
    private volatile Thread thread;

    /**
     * @param mesh the mesh the node belongs to (or may join)
     * @param nodeId this node
     * @param name its display name
     */
    public LanLoop(MeshService mesh, String nodeId, String name) {
        this.mesh = mesh;
        this.nodeId = nodeId;
        this.name = name;
    }

    /**
     * Starts advertising and listening in the background.
     *
     * @param apiPort the API's port, once it serves (0 before)
     */
    public synchronized void start(IntSupplier apiPort) {
        if (thread != null) {
            return;
        }
        thread = Thread.ofVirtual().name("atmosphere-mdns").start(() -> run(apiPort));
    }

    private void run(IntSupplier apiPort) {
        LanPresence presence;
        try {
            presence = LanPresence.start(InetAddress.getByName(mesh.lanAddress()), nodeId);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "mDNS is off: it cannot start on " + mesh.lanAddress() + " (" + e.getMessage()
                    + "). Set mesh.mdns-address, or mesh.mdns: false to silence this.");
            return;
        }
        mesh.lan(presence);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                String meshId = mesh.store().info().map(MeshStore.MeshInfo::meshId).orElse("");
                presence.advertise(name, meshId, apiPort.getAsInt(), mesh.listeningPort(), mesh.lanRelayWay());
                for (var heard : presence.nearby()) {
                    if (!meshId.isEmpty() && meshId.equals(heard.meshId()) && heard.meshPort() > 0) {
                        mesh.heardOnLan(heard.nodeId(), heard.endpoint());
                    }
                }
                Thread.sleep(ROUND_MILLIS);
            }
        } catch (InterruptedException e) {
            // stopping
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "mDNS stopped: " + e.getMessage());
        } finally {
            mesh.lan(null);
            presence.close();
        }
    }

    /**
     * @return the nodes heard on the LAN: from the running loop, else from listening a few seconds now
     * @throws AtmosphereException if mDNS cannot start on the configured address
     */
    public List<NearbyNode> nearby() {
        var running = mesh.lan();
        List<LanPresence.Nearby> found;
        if (running.isPresent()) {
            found = running.get().nearby();
        } else {
            try (var presence = LanPresence.start(InetAddress.getByName(mesh.lanAddress()), nodeId)) {
                found = presence.listen(QUIET, LISTEN);
            } catch (IOException e) {
                throw new AtmosphereException("mDNS cannot start on " + mesh.lanAddress() + ": " + e.getMessage() + ". Set mesh.mdns-address.", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
        return found.stream().map(n -> new NearbyNode(n.nodeId(), n.name(), n.meshId(), n.host(), n.meshPort(), n.apiPort(),
                n.lastSeen().toString())).toList();
    }

    /** Stops the loop: it says goodbye on the LAN and closes mDNS on its own (JmDNS takes seconds to close). */
    @Override
    public synchronized void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            thread = null;
        }
    }
}
