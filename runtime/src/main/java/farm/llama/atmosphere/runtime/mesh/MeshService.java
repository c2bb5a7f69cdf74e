package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.api.AdminChange;
import farm.llama.atmosphere.runtime.api.CostReport;
import farm.llama.atmosphere.runtime.api.MeshMember;
import farm.llama.atmosphere.runtime.api.PendingJoin;
import farm.llama.atmosphere.runtime.discovery.BackendState;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * A serving node's part in its mesh: runs the membership protocol on the mesh port, admits
 * joiners (at once with a valid invite under {@code mesh.approval: auto}, otherwise after
 * {@code approve}), exchanges capability profiles with every member, keeps the member list in
 * {@code mesh/members.json}, and publishes what changes as events. Thread-safe.
 */
public final class MeshService implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(MeshService.class.getName());

    /** How long a leaving node waits for its goodbye to be written to every member's link. */
    private static final Duration LEAVE_WAIT = Duration.ofSeconds(2);

    private final DataDir dataDir;
    /** Restarts after a renewal, off the thread that learned of it; stopped by {@link #close()}. */
    private final ExecutorService restarts = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("atmosphere-mesh-restart").factory());
    private final Identity identity;
    private final String nodeName;
    private final MeshSettings settings;
    private final Function<String, Optional<Transport>> transports;
    private final Supplier<List<Capability>> localCapabilities;
    private final Supplier<CostReport> localCost;
    private final Consumer<NodeEvent> events;
    private final Clock clock;
    private final MeshStore store;
    private final Map<String, KnownMember> known = new ConcurrentHashMap<>();
    private final Map<String, String> roles = new ConcurrentHashMap<>();
    private final ProfileLearner profiles;
    private final MeshEndpoints endpoints;
    private final MemberViews views;
    private final MemberSync sync;
    private final JoinDesk joins;
    private volatile MeshRuntime runtime;
    private final MeshCalls calls;
    private final Rediscovery rediscovery;
    private final MeshInbox inbox;
    private final RemoteBackends remote;
    private volatile Revocations revocations;
    private volatile Invites invites;
    private final ProfilePublisher profile;
    private volatile boolean dirty;
    private volatile Thread maintenance;
    private volatile String problem = "";
    private final Memberships memberships;
    private final MeshAdmins admins;
    private final Readmission readmission;

    /**
     * @param dataDir the node's data dir
     * @param identity the node
     * @param nodeName its display name
     * @param settings {@code mesh.*}
     * @param transports makes a transport of a type, if its plugin is installed
     * @param localCapabilities this node's capabilities, shared with the mesh
     * @param localCost this node's cost factors, shared with the mesh (coarsened)
     * @param events where mesh events go
     * @param clock the clock
     */
    public MeshService(DataDir dataDir, Identity identity, String nodeName, MeshSettings settings,
                       Function<String, Optional<Transport>> transports, Supplier<List<Capability>> localCapabilities,
                       Supplier<CostReport> localCost, Consumer<NodeEvent> events, Clock clock) {
        this.dataDir = dataDir;
        this.identity = identity;
        this.calls = new MeshCalls(identity.nodeId(), () -> runtime);
        this.remote = new RemoteBackends(identity.nodeId(), calls.forwarding());
        this.rediscovery = new Rediscovery(identity.nodeId(), () -> runtime, known, () -> revocations, clock);
        this.nodeName = nodeName;
        this.settings = settings;
        this.transports = transports;
        this.localCapabilities = localCapabilities;
        this.localCost = localCost;
        this.events = events;
        this.clock = clock;
        this.store = new MeshStore(dataDir);
        if (store.migrate()) {
            LOG.log(System.Logger.Level.INFO, () -> "Brought the mesh files in " + store.dir() + " to format " + MeshStore.FORMAT);
        }
        this.memberships = new Memberships(identity, store, clock);
        this.endpoints = new MeshEndpoints(settings, identity.nodeId(), store);
        this.profile = new ProfilePublisher(identity, nodeName, store, localCapabilities, localCost,
                () -> runtime == null ? List.of() : MemberViews.measured(runtime), this::endpoint, clock);
        this.admins = new MeshAdmins(identity, store, clock, events, settings.swim().probeInterval(), () -> runtime,
                () -> revocations != null ? revocations : new Revocations(store.dir()), known, roles, () -> dirty = true);
        this.profiles = new ProfileLearner(store, () -> revocations, known, roles, admins::knownAdmin, clock, events, () -> dirty = true);
        this.readmission = new Readmission(identity, nodeName, memberships, settings, known, () -> revocations, this::endpoint,
                this::directTransport, () -> runtime != null, this::restartMesh, events);
        this.sync = new MemberSync(identity.nodeId(), known, () -> dirty = true, this::renewIfDue);
        this.views = new MemberViews(identity, nodeName, store, memberships, known, roles, profiles, profile, () -> runtime,
                () -> revocations, () -> localCapabilities.get().size(), localCost, this::endpoint, clock);
        this.joins = new JoinDesk(identity, nodeName, store, settings, clock, events, () -> revocations, () -> invites, () -> runtime,
                this::endpoint, new JoinDesk.Admissions() {
                    @Override
                    public void admitted(String nodeId, String name, String endpoint) {
                        known.put(nodeId, new KnownMember(nodeId, name, endpoint, "alive", clock.millis(), 0, List.of()));
                        dirty = true;
                    }

                    @Override
                    public String nameOf(String nodeId) {
                        KnownMember k = known.get(nodeId);
                        return k == null ? "" : k.name();
                    }
                });
        this.inbox = new MeshInbox(identity.nodeId(), store, joins, rediscovery, profile, profiles, admins, memberships, calls, known, events,
                new MeshInbox.Owner() {
                    @Override
                    public MeshRuntime runtime() {
                        return runtime;
                    }

                    @Override
                    public Revocations revocations() {
                        return revocations;
                    }

                    @Override
                    public void restartMesh() {
                        MeshService.this.restartMesh();
                    }

                    @Override
                    public void readmit() {
                        readmission.start();
                    }

                    @Override
                    public void refreshProfile() {
                        MeshService.this.refreshProfile();
                    }

                    @Override
                    public void changed() {
                        dirty = true;
                    }
                });
    }

    /** @return the settings */
    public MeshSettings settings() {
        return settings;
    }

    /** @return the mesh store */
    public MeshStore store() {
        return store;
    }

    /** Starts the mesh if this node belongs to one; idle otherwise. A failure is reported, never thrown. */
    public synchronized void start() {
        if (runtime != null) {
            return;
        }
        Optional<MeshStore.MeshInfo> info;
        try {
            info = store.info();
        } catch (RuntimeException e) {
            problem = "mesh state unreadable: " + e.getMessage();
            LOG.log(System.Logger.Level.WARNING, problem);
            return;
        }
        if (info.isEmpty()) {
            problem = "";
            return;
        }
        List<String> relays = relays();
        List<Transport> running = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String type : settings.transportsToRun(relays)) {
            transports.apply(type).ifPresentOrElse(running::add, () -> missing.add(type));
        }
        if (running.isEmpty()) {
            problem = "no transport plugin for " + String.join(", ", missing) + " is installed; the mesh is offline";
            LOG.log(System.Logger.Level.WARNING, problem);
            return;
        }
        if (!missing.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, () -> "no transport plugin for " + String.join(", ", missing) + " is installed; the mesh runs over "
                    + running.stream().map(Transport::type).toList());
        }
        revocations = new Revocations(store.dir());
        invites = new Invites(store.dir());
        try {
            store.meshKey().ifPresent(k -> revocations.roles().found(store.root(), k, identity.nodeId()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "cannot sign the mesh's roster of roles: " + e.getMessage());
        }
        known.clear();
        KnownMember.load(store.dir()).forEach(m -> known.put(m.nodeId(), m));
        List<X509Certificate> chain = store.chain();
        X509Certificate root = store.root();
        MeshRuntime[] self = new MeshRuntime[1];
        Revocations rev = revocations;
        SSLContext tls = MeshTls.member(identity, chain, root, rev::withdrawn, clock, e -> {
            if (self[0] != null) {
                self[0].refusedLink(e);
            }
        });
        String advertise = settings.advertise().isEmpty() ? "" : settings.advertise().get(0);
        MeshRuntime rt = new MeshRuntime(identity, chain, root, rev, running,
                new TransportOptions(settings.bind(), settings.port(), Optional.of(() -> tls),
                        Optional.of(new MemberCredentials(info.get().meshId(), identity, chain, root, rev, relays))), advertise, clock.millis(),
                settings.swim(), clock, inbox);
        self[0] = rt;
        Map<String, String> seeds = new LinkedHashMap<>();
        known.values().stream()
                .filter(m -> !m.nodeId().equals(identity.nodeId()) && !m.state().equals("left") && !m.endpoint().isEmpty())
                .forEach(m -> seeds.put(m.nodeId(), m.endpoint()));
        try {
            rt.start(seeds);
        } catch (RuntimeException e) {
            rt.close();
            problem = e.getMessage();
            LOG.log(System.Logger.Level.WARNING, () -> "the mesh could not start: " + e.getMessage());
            return;
        }
        runtime = rt;
        problem = "";
        if (advertise.isEmpty()) {
            // announce the first listed endpoint (site-local addresses come first, loopback last)
            LOG.log(System.Logger.Level.DEBUG, () -> "mesh endpoints: " + rt.endpoints());
        }
        refreshProfile();
        maintenance = Thread.ofVirtual().name("atmosphere-mesh-maintenance").start(this::maintain);
        if (memberships.ownStanding(rev.withdrawn()) == Memberships.Standing.CUT_OFF) {
            readmit();
        }
        LOG.log(System.Logger.Level.INFO, () -> "mesh " + info.get().meshId() + " ('" + info.get().name() + "'): " + info.get().role()
                + ", " + seeds.size() + " known member" + (seeds.size() == 1 ? "" : "s") + ", listening at " + rt.endpoints());
        events.accept(new NodeEvent("mesh.started", Instant.now(), Map.of("meshId", info.get().meshId(),
                "endpoints", rt.endpoints())));
    }

    /** @return this node's own endpoint as announced to the mesh */
    public String endpoint() {
        return endpoints.endpoint(runtime);
    }

    /** @return the address mDNS should use: {@code mesh.mdns-address}, else the mesh bind address, else the first LAN address */
    public String lanAddress() {
        return endpoints.lanAddress();
    }

    /** @param presence this node on the LAN, or null when mDNS is off */
    public void lan(LanPresence presence) {
        rediscovery.lan(presence);
    }

    /** @return this node on the LAN, when mDNS runs */
    public Optional<LanPresence> lan() {
        return rediscovery.lan();
    }

    /**
     * A member was heard on the LAN (mDNS) at an endpoint: if this node has lost it, it is probed
     * there ({@link Rediscovery}).
     *
     * @param nodeId the node heard
     * @param endpoint its mesh endpoint as advertised
     */
    public void heardOnLan(String nodeId, String endpoint) {
        rediscovery.heard(nodeId, endpoint, "on the LAN");
    }

    /** @return the port the mesh listens on, 0 when it does not run */
    public int listeningPort() {
        return MeshEndpoints.listeningPort(runtime);
    }

    /**
     * @return how joiners on the LAN reach this node to trade a short code when it listens nowhere
     *         (see {@link MeshEndpoints#lanRelayWay})
     */
    public Optional<LanPresence.RelayWay> lanRelayWay() {
        return endpoints.lanRelayWay(runtime, invites, identity, clock.instant());
    }

    /** Stops the mesh (the state on disk stays). */
    public synchronized void stop() {
        MeshRuntime rt = runtime;
        runtime = null;
        readmission.close();
        Thread t = maintenance;
        if (t != null) {
            t.interrupt();
        }
        if (rt != null) {
            rt.close();
            saveNow();
        }
    }

    @Override
    public void close() {
        restarts.shutdownNow();
        stop();
    }

    private void maintain() {
        while (runtime != null && !Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(Math.min(1000, Math.max(100, settings.swim().probeInterval().toMillis())));
            } catch (InterruptedException e) {
                return;
            }
            try {
                refreshProfile();
                MeshRuntime rt = runtime;
                if (rt == null) {
                    return;
                }
                sync.sync(rt, clock.millis());
                joins.expire();
                if (dirty) {
                    saveNow();
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, () -> "mesh maintenance: " + e);
            }
        }
    }

    /** Re-issues, on contact, the certificate of a member an admin since removed had signed. */
    private void renewIfDue(MeshRuntime rt, String member, String admitter, MemberState state) {
        MeshCertificates.Withdrawn w = revocations.withdrawn();
        if ((state != MemberState.ALIVE && state != MemberState.SUSPECT) || Memberships.standing(admitter, w) != Memberships.Standing.REISSUE_PENDING
                || !memberships.canIssue(w)) {
            return;
        }
        rt.certificateOf(member).flatMap(c -> memberships.renewalFor(member, c.getPublicKey()))
                .ifPresent(payload -> rt.send(member, "membership.renew", payload));
    }

    /** The mesh presents this node's membership as it was at start: after a renewal it restarts, off the caller's thread. */
    private void restartMesh() {
        try {
            restarts.execute(() -> {
                stop();
                start();
            });
        } catch (RejectedExecutionException closed) {
            // the node is closing: nothing to restart
        }
    }

    /** This node's membership died with the admin that signed it: asks the founder and admins to re-admit it, until one does or the mesh stops. */
    private void readmit() {
        readmission.start();
    }

    private void refreshProfile() {
        MeshRuntime rt = runtime;
        if (rt != null) {
            profile.refresh(rt, policy);
        }
    }

    /** @return what this node asks of members and serves them: tools, agents, deploys, file pulls */
    public MeshCalls calls() {
        return calls;
    }

    /** @param policy what this node offers the mesh, enforced on forwarded requests and applied to its profile */
    public void policy(SharingPolicy policy) {
        this.policy = policy;
        calls.policy(policy);
    }

    private volatile SharingPolicy policy;

    /**
     * @return one backend per live member that shares capabilities, reached over the mesh; the
     *         same object while the member's profile is unchanged (it counts requests in flight)
     */
    public List<BackendState> remoteBackends() {
        MeshRuntime rt = runtime;
        return rt == null ? List.of() : remote.of(rt, known.values(), profiles.costs());
    }

    // ---- admins ----

    /**
     * Grants or removes the admin role (see {@link MeshAdmins#admin}).
     *
     * @param nodeId the member
     * @param remove remove the role instead
     * @return what was done
     */
    public AdminChange admin(String nodeId, boolean remove) {
        return admins.admin(nodeId, remove);
    }

    /** @return the joins waiting for approval */
    public List<PendingJoin> pending() {
        return joins.pending();
    }

    /**
     * Approves or denies a pending join.
     *
     * @param nodeId the joiner
     * @param deny refuse instead
     * @return the pending join decided
     * @throws AtmosphereException if nothing is pending for that node, or its invite is used up
     */
    public PendingJoin decide(String nodeId, boolean deny) {
        return joins.decide(nodeId, deny);
    }

    // ---- views ----

    /** @return whether the mesh is running here */
    public boolean running() {
        return runtime != null;
    }

    /** @return why the mesh is not running, or "" */
    public String problem() {
        return problem;
    }

    /** @return where this node listens for the mesh */
    public List<String> endpoints() {
        MeshRuntime rt = runtime;
        return rt == null ? List.of() : rt.endpoints();
    }

    /** @return every member this node knows, itself first */
    public List<MeshMember> members() {
        return views.members();
    }

    /**
     * @return counters for the dashboard and for audits: {@code messages} (envelopes accepted and
     *         refused by reason), {@code links} (peers refused at the TLS handshake, by reason),
     *         {@code joins} (granted, pending, denied, refused by reason), {@code files}, {@code sealed} (envelopes sealed
     *         for relays, opened, refused, not sent for want of a key), {@code statements} (membership
     *         statements members passed on that were not taken: forged, unsigned, unknown_signer), and one section per transport
     *         that keeps counters ({@code websocket}: connections open and unauthenticated, bytes held
     *         for unauthenticated peers now and at most, connections refused as {@code busy} or closed
     *         as {@code too_large}, {@code timeout}, {@code idle})
     */
    public Map<String, Map<String, Long>> stats() {
        MeshRuntime rt = runtime;
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        out.put("messages", rt == null ? Map.of() : rt.stats());
        out.put("links", rt == null ? Map.of() : rt.linkStats());
        out.put("sealed", rt == null ? Map.of() : rt.sealingStats());
        out.put("statements", rt == null ? Map.of() : rt.statementStats());
        out.put("joins", joins.counts());
        out.put("files", calls.fileStats());
        if (rt != null) {
            out.putAll(rt.transportStats());
        }
        return out;
    }

    /**
     * Makes an invite that carries this node's endpoints.
     *
     * @param ttl how long it lasts
     * @param uses how many joins it admits
     * @return the invite
     */
    public Invites.Invite invite(Duration ttl, int uses) {
        return new Invites(store.dir()).create(identity, store, ttl, uses, endpoints.forInvite(runtime), relays());
    }

    /**
     * Revokes a member and spreads the revocation (see {@link MeshAdmins#revoke}).
     *
     * @param nodeId the member
     * @param confirm whether the caller accepted the consequences for the members it admitted
     * @return the revocation
     */
    public Revocations.Revocation revoke(String nodeId, boolean confirm) {
        return admins.revoke(nodeId, confirm);
    }

    /**
     * @param nodeId a node
     * @return the members whose certificates it signed, as far as this node knows
     */
    public List<String> admittedBy(String nodeId) {
        return admins.admittedBy(nodeId);
    }

    /**
     * Leaves the mesh: tells the members, stops, removes the local mesh state.
     *
     * @return the mesh left
     */
    public synchronized Optional<MeshStore.MeshInfo> leave() {
        MeshRuntime rt = runtime;
        if (rt != null) {
            try {
                rt.leave().get(LEAVE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "not every member was told of the leave in time; they find out by probing");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stop();
        known.clear();
        joins.clear();
        return store.leave();
    }

    /**
     * Joins a mesh (this node must be in none), then starts it.
     *
     * @param target an invite or host:port
     * @param progress told what happens
     * @return the result
     */
    public MeshJoiner.Joined join(String target, Consumer<String> progress) {
        Optional<String> code = ShortCodes.parse(target);
        if (code.isPresent() && !target.contains(".")) {
            target = ShortCodeDesk.redeem(code.get(), lan(), lanAddress(), identity, this::directTransport, () -> transports.apply("relay"),
                    progress);
        }
        MeshJoiner.Joined j = MeshJoiner.join(target, identity, nodeName, store, this::directTransport, () -> transports.apply("relay"),
                endpoint(), settings.joinWait(), clock, progress);
        start();
        return j;
    }

    private Transport directTransport() {
        return transports.apply(settings.transport()).orElseThrow(() -> new AtmosphereException("No '" + settings.transport()
                + "' transport plugin is installed; cannot join."));
    }

    /** @return each transport the mesh runs over, with what it reports (a relay: its connections and round trips) */
    public List<TransportStatus> transportStatus() {
        return TransportStatus.of(runtime);
    }

    /** @return the relays this node keeps a connection to: {@code mesh.relays}, then those its invite named */
    public List<String> relays() {
        return endpoints.relays();
    }

    // ---- persistence ----

    private void saveNow() {
        dirty = false;
        try {
            KnownMember.save(store.dir(), List.copyOf(known.values()));
        } catch (AtmosphereException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
    }
}
