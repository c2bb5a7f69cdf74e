package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.api.AdminChange;
import farm.llama.atmosphere.runtime.api.Invite;
import farm.llama.atmosphere.runtime.api.JoinDecision;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.api.MeshLeft;
import farm.llama.atmosphere.runtime.api.MeshMember;
import farm.llama.atmosphere.runtime.api.MeshMembership;
import farm.llama.atmosphere.runtime.api.MeshReport;
import farm.llama.atmosphere.runtime.api.PendingJoin;
import farm.llama.atmosphere.runtime.api.RevocationReport;
import farm.llama.atmosphere.runtime.api.Roles;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.MeshService;
import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.runtime.mesh.Revocations;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The mesh as the API offers it: status, create, invite, join (in the background, with its state),
 * members, pending joins, revoke, admins, leave. Checks what the owner asked before the mesh acts,
 * and starts the mesh port when a serving node gains a mesh. The join runs on this object's
 * executor, which {@link #close()} stops.
 */
public final class MeshOperations implements AutoCloseable {

    private final MeshService mesh;
    private final DataDir dataDir;
    private final String nodeId;
    private final BooleanSupplier serving;
    private final AtomicReference<JoinStatus> join = new AtomicReference<>(JoinStatus.IDLE);
    private final ExecutorService work = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("atmosphere-mesh-join-", 0).factory());

    /**
     * @param mesh the mesh
     * @param dataDir the data dir (its mesh files are read afresh for status)
     * @param nodeId this node
     * @param serving whether the node serves (then a new mesh starts at once)
     */
    public MeshOperations(MeshService mesh, DataDir dataDir, String nodeId, BooleanSupplier serving) {
        this.mesh = mesh;
        this.dataDir = dataDir;
        this.nodeId = nodeId;
        this.serving = serving;
    }

    /** @return this node's mesh: id, name, role, certificate, revoked nodes, roster of roles, port state and member counts */
    public MeshReport report() {
        MeshStore store = new MeshStore(dataDir);
        Optional<MeshStore.MeshInfo> info = store.info();
        if (info.isEmpty()) {
            return MeshReport.none(nodeId);
        }
        MeshStore.MeshInfo i = info.get();
        Revocations standing = new Revocations(store.dir());
        Optional<Roles> roles = standing.roles().current().map(r -> new Roles(r.version(), r.founder(), r.admins(),
                r.retired().stream().map(x -> new Roles.Retired(x.node(), x.at())).toList()));
        List<MeshMember> members = mesh.members();
        return new MeshReport(nodeId, true, Optional.of(i.meshId()), Optional.of(i.name()), Optional.of(i.role()),
                Optional.of(i.createdAt()), Optional.of(i.certificateExpires()), Optional.of(List.copyOf(standing.revoked())), roles,
                Optional.of(mesh.running()), Optional.of(mesh.endpoints()), Optional.of(mesh.problem()).filter(p -> !p.isEmpty()),
                Optional.of(members.size()), Optional.of(members.stream().filter(MeshMember::alive).count()));
    }

    /**
     * @param meshName the new mesh's name
     * @return this node's membership as its founder
     */
    public MeshMembership create(String meshName) {
        MeshStore.MeshInfo info = mesh.store().create(meshName);
        if (serving.getAsBoolean()) {
            mesh.start();
        }
        return new MeshMembership(info.meshId(), info.name(), info.role(), info.createdAt(), info.certificateExpires());
    }

    /**
     * @param ttl how long it lasts
     * @param uses how many joins it admits (1-1000)
     * @return the invite, with a warning when this node does not serve (nobody could redeem it), or a note when it is
     *         reached through a relay only
     */
    public Invite invite(Duration ttl, int uses) {
        if (mesh.store().info().isEmpty()) {
            throw new AtmosphereException("This node is not in a mesh. 'atmosphere mesh create -n NAME' creates one.");
        }
        if (uses < 1 || uses > 1000) {
            throw new AtmosphereException("--uses must be 1-1000, got " + uses + ".");
        }
        var invite = mesh.invite(ttl, uses);
        Optional<String> note = Optional.empty();
        if (!serving.getAsBoolean()) {
            note = Optional.of("this node is not serving: start it with 'atmosphere serve' so the invite can be redeemed");
        } else if (mesh.running() && mesh.listeningPort() == 0) {
            note = Optional.of("this node listens nowhere: the joiner reaches it through " + String.join(", ", mesh.relays())
                    + " (the invite carries a join ticket for it), so this node must stay connected there");
        }
        return new Invite(invite.code(), invite.token(), invite.link(), invite.id(), invite.expiresAt(), invite.uses(), note);
    }

    /**
     * Starts joining in the background.
     *
     * @param target an invite, its link, its short code or a member's {@code HOST:PORT}
     * @return the join's state, just started
     */
    public synchronized JoinStatus join(String target) {
        if (join.get().inProgress()) {
            throw new AtmosphereException("A join is already in progress.");
        }
        mesh.store().info().ifPresent(i -> {
            throw new AtmosphereException("This node is already in mesh " + i.meshId() + " ('" + i.name()
                    + "'). Leave it first with 'atmosphere mesh leave'.");
        });
        join.set(join.get().start());
        work.submit(() -> {
            try {
                var joined = mesh.join(target, line -> join.updateAndGet(j -> j.progress(line,
                        line.startsWith("Waiting") || line.contains("must approve") || j.state() == JoinStatus.State.PENDING)));
                if (serving.getAsBoolean()) {
                    mesh.start();
                }
                join.updateAndGet(j -> j.joined(joined.mesh().meshId(), joined.mesh().name(), joined.via(), joined.members().size()));
            } catch (RuntimeException e) {
                join.updateAndGet(j -> j.failed(e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        });
        return joinStatus();
    }

    /** @return the last join's state */
    public JoinStatus joinStatus() {
        return join.get();
    }

    /** @return every member as this node sees it */
    public List<MeshMember> members() {
        if (mesh.store().info().isEmpty()) {
            throw new AtmosphereException("This node is not in a mesh. 'atmosphere mesh create -n NAME' or 'mesh join' first.");
        }
        return mesh.members();
    }

    /** @return the mesh port's counters */
    public Map<String, Map<String, Long>> stats() {
        return mesh.stats();
    }

    /** @return the joins waiting for the owner */
    public List<PendingJoin> pending() {
        return mesh.pending();
    }

    /**
     * @param node the joiner
     * @param deny whether to refuse it
     * @return the decision
     */
    public JoinDecision decide(String node, boolean deny) {
        var p = mesh.decide(node, deny);
        return new JoinDecision(p.nodeId(), p.name(), deny ? JoinDecision.Decision.DENIED : JoinDecision.Decision.APPROVED);
    }

    /**
     * @param node the member to revoke
     * @param confirm whether the owner confirmed cutting off the members it admitted
     * @return the revocation, who it cut off and whether it spreads now
     */
    public RevocationReport revoke(String node, boolean confirm) {
        List<String> cutOff = mesh.admittedBy(node);
        var r = mesh.revoke(node, confirm);
        return new RevocationReport(r.node(), r.at(), r.by(), cutOff, serving.getAsBoolean() && mesh.running());
    }

    /**
     * @param node a member
     * @param remove take the role back instead of granting it
     * @return what changed
     */
    public AdminChange admin(String node, boolean remove) {
        if (!Identity.isNodeId(node)) {
            throw new AtmosphereException("A node id is 16 hex characters, got '" + node + "'.");
        }
        return mesh.admin(node, remove);
    }

    /** @return the mesh left */
    public MeshLeft leave() {
        var left = mesh.leave().orElseThrow(() -> new AtmosphereException("This node is not in a mesh."));
        join.set(JoinStatus.IDLE);
        return new MeshLeft(left.meshId(), left.name());
    }

    /** Stops a join under way. */
    @Override
    public void close() {
        work.shutdownNow();
    }
}
