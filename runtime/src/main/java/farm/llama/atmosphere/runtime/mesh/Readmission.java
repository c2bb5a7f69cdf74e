package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.transport.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * When this node's membership died with the admin that signed it, asks the founder, then the
 * admins, then the other members to re-admit it — until one does (then the mesh restarts with the
 * new certificate) or the mesh stops. One background thread at a time, which {@link #close()} stops.
 */
final class Readmission implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Readmission.class.getName());

    private final Identity identity;
    private final String nodeName;
    private final Memberships memberships;
    private final MeshSettings settings;
    private final Map<String, KnownMember> known;
    private final Supplier<Revocations> revocations;
    private final Supplier<String> endpoint;
    private final Supplier<Transport> transport;
    private final BooleanSupplier running;
    private final Runnable restart;
    private final Consumer<NodeEvent> events;
    private Thread thread;

    /**
     * @param identity this node
     * @param nodeName its name
     * @param memberships its standing and the re-admission exchange
     * @param settings {@code mesh.*}
     * @param known the members as this node knows them (where to ask)
     * @param revocations the mesh's revocations
     * @param endpoint this node's endpoint
     * @param transport the direct transport
     * @param running whether the mesh still runs
     * @param restart restarts the mesh (with the new certificate)
     * @param events where {@code mesh.cut-off} and {@code mesh.readmitted} go
     */
    Readmission(Identity identity, String nodeName, Memberships memberships, MeshSettings settings, Map<String, KnownMember> known,
                Supplier<Revocations> revocations, Supplier<String> endpoint, Supplier<Transport> transport, BooleanSupplier running,
                Runnable restart, Consumer<NodeEvent> events) {
        this.identity = identity;
        this.nodeName = nodeName;
        this.memberships = memberships;
        this.settings = settings;
        this.known = known;
        this.revocations = revocations;
        this.endpoint = endpoint;
        this.transport = transport;
        this.running = running;
        this.restart = restart;
        this.events = events;
    }

    /** Starts asking, unless it already does. */
    synchronized void start() {
        if (thread != null && thread.isAlive()) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, () -> "the admin that admitted this node was revoked, so its membership is no longer valid; "
                + "asking the founder and admins to re-admit it");
        events.accept(new NodeEvent("mesh.cut-off", Instant.now(), Map.of("nodeId", identity.nodeId())));
        thread = Thread.ofVirtual().name("atmosphere-mesh-readmission").start(this::ask);
    }

    private void ask() {
        Duration pause = Duration.ofMillis(Math.max(1000, settings.swim().probeInterval().toMillis() * 10));
        try {
            while (running.getAsBoolean() && memberships.ownStanding(revocations.get().withdrawn()) == Memberships.Standing.CUT_OFF) {
                if (memberships.readmit(issuerEndpoints(), nodeName, endpoint.get(), transport, settings.joinWait(),
                        () -> revocations.get().withdrawn())) {
                    events.accept(new NodeEvent("mesh.readmitted", Instant.now(), Map.of("nodeId", identity.nodeId())));
                    restart.run();
                    return;
                }
                Thread.sleep(pause);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "re-admission stopped: " + e.getMessage());
        }
    }

    /** @return direct endpoints of the founder, then the admins, then the other members — never of a revoked node */
    private List<String> issuerEndpoints() {
        Revocations rev = revocations.get();
        Set<String> revoked = rev.revoked();
        Optional<MeshRoles.Roster> roster = rev.roles().current();
        String founder = roster.map(MeshRoles.Roster::founder).orElse("");
        List<String> admins = roster.map(MeshRoles.Roster::admins).orElse(List.of());
        return known.values().stream()
                .filter(k -> !k.nodeId().equals(identity.nodeId()) && k.endpoint().startsWith("wss://") && !revoked.contains(k.nodeId())
                        && !k.state().equals("left"))
                .sorted(Comparator.comparingInt((KnownMember k) -> k.nodeId().equals(founder) ? 0 : admins.contains(k.nodeId()) ? 1 : 2))
                .map(KnownMember::endpoint).toList();
    }

    /** Stops asking (the mesh stopped). */
    @Override
    public synchronized void close() {
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
        }
        thread = null;
    }
}
