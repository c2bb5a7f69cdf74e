package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.Identity;
import farm.llama.atmosphere.runtime.api.AdminChange;
import farm.llama.atmosphere.runtime.api.MemberCost;
import farm.llama.atmosphere.runtime.api.MeshMember;
import farm.llama.atmosphere.runtime.api.NetworkReport;
import farm.llama.atmosphere.runtime.api.PendingJoin;
import farm.llama.atmosphere.runtime.api.SharedCapability;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * A serving node's part in its mesh: runs the membership protocol on the mesh port, admits
 * joiners (at once with a valid invite under {@code mesh.approval: auto}, otherwise after
 * {@code approve}), exchanges capability profiles with every member, keeps the member list in
 * {@code mesh/members.json}, and publishes what changes as events. Thread-safe.
 */
public final class MeshService implements AutoCloseable {

    /** Format of {@code members.json}. */
    public static final int MEMBERS_FORMAT = 1;

    private static final System.Logger LOG = System.getLogger(MeshService.class.getName());
    private static final int MAX_PENDING = 64;
    private static final Duration APPROVAL_KEPT = Duration.ofMinutes(30);

    /**
     * A member as this node knows it.
     *
     * @param nodeId its node id
     * @param name its display name
     * @param endpoint where it listens
     * @param state alive, suspect, dead or left
     * @param lastSeen when a verified message last came from it (ms since the epoch; 0 never)
     * @param profileVersion the version of its capabilities held here
     * @param capabilities its capabilities as it published them
     * @param admittedBy the admin whose certificate signed its membership, "" when the mesh key did or when not known
     */
    public record KnownMember(String nodeId, String name, String endpoint, String state, long lastSeen, long profileVersion,
                              List<SharedCapability> capabilities, String admittedBy) {
        /** Normalises a missing admitter (member lists written before it was kept); a name is kept terminal-safe, at most 64 characters. */
        public KnownMember {
            admittedBy = admittedBy == null ? "" : admittedBy;
            name = farm.llama.atmosphere.runtime.util.SafeText.name(name);
        }

        /** A member whose admitter is not known (yet). */
        public KnownMember(String nodeId, String name, String endpoint, String state, long lastSeen, long profileVersion,
                           List<SharedCapability> capabilities) {
            this(nodeId, name, endpoint, state, lastSeen, profileVersion, capabilities, "");
        }
    }

    private record Pending(Joins.Checked checked, String endpoint, Link link, Instant at) {
    }

    private record Approved(ObjectNode answer, Instant at) {
    }

    private final DataDir dataDir;
    private final Identity identity;
    private final String nodeName;
    private final MeshSettings settings;
    private final java.util.function.Function<String, Optional<Transport>> transports;
    private final Supplier<List<Capability>> localCapabilities;
    private final Supplier<farm.llama.atmosphere.runtime.api.CostReport> localCost;
    private volatile String costDigest = "";
    private volatile long costPublishedAt;
    private final Consumer<NodeEvent> events;
    private final Clock clock;
    private final MeshStore store;
    private final Map<String, KnownMember> known = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, Approved> approved = new ConcurrentHashMap<>();
    private final Map<String, Long> asked = new ConcurrentHashMap<>();
    private final Map<String, String> roles = new ConcurrentHashMap<>();
    /** The role each member's profile says, proven or not (a refused claim is logged once per change). */
    private final Map<String, String> claimedRoles = new ConcurrentHashMap<>();
    private final Map<String, MemberCost> costs = new ConcurrentHashMap<>();
    private final Map<String, Long> joinCounts = new ConcurrentHashMap<>(Map.of("granted", 0L, "denied", 0L));
    private volatile MeshRuntime runtime;
    private final MeshForwarding forwarding;
    private final FileTransfer files = new FileTransfer((to, type, payload) -> {
        MeshRuntime rt = runtime;
        if (rt == null) {
            throw new farm.llama.atmosphere.spi.CallFailedException(farm.llama.atmosphere.spi.FailureKind.UNREACHABLE, "the mesh is not running");
        }
        rt.sendReliably(to, type, payload);
    });
    private final Map<String, farm.llama.atmosphere.runtime.discovery.BackendState> remote = new ConcurrentHashMap<>();
    private final Map<String, String> remoteVersion = new ConcurrentHashMap<>();
    /** A suspect member is still a candidate, but only when healthier ones are not much better. */
    private static final double SUSPECT_PENALTY = 4.0;
    private volatile Revocations revocations;
    private volatile Invites invites;
    private volatile String profileJson = "";
    private volatile String profileDigest = "";
    private volatile long profileVersion;
    private volatile boolean dirty;
    private volatile Thread maintenance;
    private volatile String problem = "";
    private final Memberships memberships;
    private final MeshAdmins admins;
    private volatile Thread readmitting;

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
                       java.util.function.Function<String, Optional<Transport>> transports, Supplier<List<Capability>> localCapabilities,
                       Supplier<farm.llama.atmosphere.runtime.api.CostReport> localCost, Consumer<NodeEvent> events, Clock clock) {
        this.dataDir = dataDir;
        this.identity = identity;
        this.forwarding = new MeshForwarding(identity.nodeId(), (to, type, payload) -> {
            MeshRuntime rt = runtime;
            if (rt == null) {
                throw new farm.llama.atmosphere.spi.CallFailedException(farm.llama.atmosphere.spi.FailureKind.UNREACHABLE, "the mesh is not running");
            }
            rt.sendReliably(to, type, payload);
        });
        this.nodeName = nodeName;
        this.settings = settings;
        this.transports = transports;
        this.localCapabilities = localCapabilities;
        this.localCost = localCost;
        this.events = events;
        this.clock = clock;
        this.store = new MeshStore(dataDir);
        if (store.migrate()) {
            LOG.log(System.Logger.Level.INFO, "Brought the mesh files in " + store.dir() + " to format " + MeshStore.FORMAT);
        }
        this.memberships = new Memberships(identity, store, clock);
        this.admins = new MeshAdmins(identity, store, clock, events, settings.swim().probeInterval(), () -> runtime,
                () -> revocations != null ? revocations : new Revocations(store.dir()), known, roles, () -> dirty = true);
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
            LOG.log(System.Logger.Level.WARNING, "no transport plugin for " + String.join(", ", missing) + " is installed; the mesh runs over "
                    + running.stream().map(Transport::type).toList());
        }
        revocations = new Revocations(store.dir());
        invites = new Invites(store.dir());
        try {
            store.meshKey().ifPresent(k -> revocations.roles().found(store.root(), k, identity.nodeId()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot sign the mesh's roster of roles: " + e.getMessage());
        }
        known.clear();
        loadMembers(store.dir()).forEach(m -> known.put(m.nodeId(), m));
        List<java.security.cert.X509Certificate> chain = store.chain();
        java.security.cert.X509Certificate root = store.root();
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
                        Optional.of(credentials(info.get().meshId(), chain, root, rev, relays))), advertise, clock.millis(),
                settings.swim(), clock, new Extension());
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
            LOG.log(System.Logger.Level.WARNING, "the mesh could not start: " + e.getMessage());
            return;
        }
        runtime = rt;
        problem = "";
        if (advertise.isEmpty()) {
            // announce the first listed endpoint (site-local addresses come first, loopback last)
            LOG.log(System.Logger.Level.DEBUG, "mesh endpoints: " + rt.endpoints());
        }
        refreshProfile();
        maintenance = Thread.ofVirtual().name("atmosphere-mesh-maintenance").start(this::maintain);
        if (memberships.ownStanding(rev.withdrawn()) == Memberships.Standing.CUT_OFF) {
            readmit();
        }
        LOG.log(System.Logger.Level.INFO, "mesh " + info.get().meshId() + " ('" + info.get().name() + "'): " + info.get().role()
                + ", " + seeds.size() + " known member" + (seeds.size() == 1 ? "" : "s") + ", listening at " + rt.endpoints());
        events.accept(new NodeEvent("mesh.started", Instant.now(), Map.of("meshId", info.get().meshId(),
                "endpoints", rt.endpoints())));
    }

    /** @return this node's own endpoint as announced to the mesh */
    public String endpoint() {
        if (!settings.advertise().isEmpty()) {
            return settings.advertise().get(0);
        }
        MeshRuntime rt = runtime;
        // the running transports when the mesh runs (no file read per call); what would run, when it does not
        List<String> transports = rt != null ? rt.transportTypes() : settings.transportsToRun(relays());
        if (!transports.contains(settings.transport())) {
            return MeshRuntime.RELAY_SCHEME + identity.nodeId(); // this node does not listen: members reach it through relays
        }
        if (rt != null && !rt.endpoints().isEmpty()) {
            return rt.endpoints().get(0);
        }
        String host = settings.bind().equals("0.0.0.0") || settings.bind().equals("::") ? firstAddress() : settings.bind();
        return "wss://" + host + ":" + settings.port();
    }

    /** @return the address mDNS should use: {@code mesh.mdns-address}, else the mesh bind address, else the first LAN address */
    public String lanAddress() {
        return settings.mdnsAddress().orElseGet(() ->
                settings.bind().equals("0.0.0.0") || settings.bind().equals("::") ? firstAddress() : settings.bind());
    }

    private volatile LanPresence lan;

    /** @param presence this node on the LAN, or null when mDNS is off */
    public void lan(LanPresence presence) {
        this.lan = presence;
    }

    /** @return this node on the LAN, when mDNS runs */
    public Optional<LanPresence> lan() {
        return Optional.ofNullable(lan);
    }

    private final Map<String, Long> lanTried = new ConcurrentHashMap<>();

    /**
     * A member was heard on the LAN (mDNS) at an endpoint: if this node has lost it (suspect, dead,
     * or no address), it is probed there. Heals a split where both sides' last known addresses went
     * stale (a laptop woke with a new address). Strangers are ignored: only known members count,
     * and every link and message is still authenticated.
     *
     * @param nodeId the node heard
     * @param endpoint its mesh endpoint as advertised
     */
    public void heardOnLan(String nodeId, String endpoint) {
        heard(nodeId, endpoint, "on the LAN");
    }

    /** A member this node wrote off is reachable again (heard on the LAN, or connected to a relay): probe it there. */
    private void heard(String nodeId, String endpoint, String where) {
        MeshRuntime rt = runtime;
        KnownMember k = known.get(nodeId);
        if (rt == null || k == null || nodeId.equals(identity.nodeId()) || k.state().equals("left") || revocations.revoked().contains(nodeId)) {
            return;
        }
        MemberState state = rt.members().get(nodeId);
        if (state == MemberState.ALIVE || state == MemberState.LEFT) {
            return;
        }
        long now = clock.millis();
        Long last = lanTried.get(nodeId);
        if (last != null && now - last < LAN_RETRY.toMillis()) {
            return;
        }
        lanTried.put(nodeId, now);
        LOG.log(System.Logger.Level.INFO, "member " + nodeId + " ('" + k.name() + "') heard " + where + " at " + endpoint + "; probing it there");
        rt.admit(nodeId, endpoint);
    }

    private static final Duration LAN_RETRY = Duration.ofSeconds(15);

    /** @return the port the mesh listens on, 0 when it does not run */
    public int listeningPort() {
        MeshRuntime rt = runtime;
        String e = rt == null ? "" : rt.endpoints().stream().filter(x -> !x.startsWith(MeshRuntime.RELAY_SCHEME)).findFirst().orElse("");
        if (e.isEmpty()) {
            return 0; // not running, or reached through relays only
        }
        return Integer.parseInt(e.substring(e.lastIndexOf(':') + 1).replaceAll("/.*", ""));
    }

    private static String firstAddress() {
        try {
            for (var ni : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback() || ni.isVirtual()) {
                    continue;
                }
                for (var a : java.util.Collections.list(ni.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address && !a.isLinkLocalAddress()) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (java.net.SocketException e) {
            // fall back to loopback
        }
        return "127.0.0.1";
    }

    /** Stops the mesh (the state on disk stays). */
    public synchronized void stop() {
        MeshRuntime rt = runtime;
        runtime = null;
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
                long now = clock.millis();
                for (Map.Entry<String, MemberState> e : rt.members().entrySet()) {
                    String id = e.getKey();
                    if (id.equals(identity.nodeId())) {
                        continue;
                    }
                    KnownMember k = known.get(id);
                    long heard = rt.lastHeard(id);
                    String address = rt.addressOf(id);
                    String state = e.getValue().name().toLowerCase(java.util.Locale.ROOT);
                    if (k == null) {
                        k = new KnownMember(id, "", address, state, heard, 0, List.of());
                        dirty = true;
                    } else if (!k.state().equals(state) || (!address.isEmpty() && !address.equals(k.endpoint()))
                            || heard - k.lastSeen() > 10_000) {
                        k = new KnownMember(id, k.name(), address.isEmpty() ? k.endpoint() : address, state,
                                Math.max(heard, k.lastSeen()), k.profileVersion(), k.capabilities(), k.admittedBy());
                        dirty = true;
                    }
                    String admitter = rt.admittedBy(id).orElse(k.admittedBy());
                    if (!admitter.equals(k.admittedBy())) {
                        k = new KnownMember(k.nodeId(), k.name(), k.endpoint(), k.state(), k.lastSeen(), k.profileVersion(), k.capabilities(),
                                admitter);
                        dirty = true;
                    }
                    renewIfDue(rt, id, admitter, e.getValue());
                    KnownMember updated = k;
                    known.compute(id, (key, current) -> current == null || current.profileVersion() <= updated.profileVersion()
                            ? updated : current);
                    k = known.get(id);
                    boolean reachable = e.getValue() == MemberState.ALIVE || e.getValue() == MemberState.SUSPECT;
                    if (reachable && rt.capabilitiesOf(id) > k.profileVersion() && now - asked.getOrDefault(id, 0L) > 2000) {
                        asked.put(id, now);
                        rt.send(id, "profile.get", new byte[0]);
                    }
                }
                approved.values().removeIf(a -> a.at().plus(APPROVAL_KEPT).isBefore(clock.instant()));
                pending.values().removeIf(p -> p.at().plus(settings.joinWait()).isBefore(clock.instant()));
                if (dirty) {
                    saveNow();
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "mesh maintenance: " + e);
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
        Thread.ofVirtual().name("atmosphere-mesh-restart").start(() -> {
            stop();
            start();
        });
    }

    /** This node's membership died with the admin that signed it: asks the founder and admins to re-admit it, until one does or the mesh stops. */
    private synchronized void readmit() {
        Thread t = readmitting;
        if (t != null && t.isAlive()) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "the admin that admitted this node was revoked, so its membership is no longer valid; "
                + "asking the founder and admins to re-admit it");
        events.accept(new NodeEvent("mesh.cut-off", Instant.now(), Map.of("nodeId", identity.nodeId())));
        readmitting = Thread.ofVirtual().name("atmosphere-mesh-readmission").start(() -> {
            try {
                while (runtime != null && memberships.ownStanding(revocations.withdrawn()) == Memberships.Standing.CUT_OFF) {
                    if (memberships.readmit(issuerEndpoints(), nodeName, endpoint(), this::directTransport, settings.joinWait(),
                            () -> revocations.withdrawn())) {
                        events.accept(new NodeEvent("mesh.readmitted", Instant.now(), Map.of("nodeId", identity.nodeId())));
                        restartMesh();
                        return;
                    }
                    Thread.sleep(Math.max(1000, settings.swim().probeInterval().toMillis() * 10));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "re-admission stopped: " + e.getMessage());
            }
        });
    }

    /** @return direct endpoints of the founder, then the admins, then the other members — never of a revoked node */
    private List<String> issuerEndpoints() {
        java.util.Set<String> revoked = revocations.revoked();
        Optional<MeshRoles.Roster> roster = revocations.roles().current();
        String founder = roster.map(MeshRoles.Roster::founder).orElse("");
        List<String> admins = roster.map(MeshRoles.Roster::admins).orElse(List.of());
        return known.values().stream()
                .filter(k -> !k.nodeId().equals(identity.nodeId()) && k.endpoint().startsWith("wss://") && !revoked.contains(k.nodeId())
                        && !k.state().equals("left"))
                .sorted(java.util.Comparator.comparingInt((KnownMember k) -> k.nodeId().equals(founder) ? 0 : admins.contains(k.nodeId()) ? 1 : 2))
                .map(KnownMember::endpoint).toList();
    }

    private void refreshProfile() {
        MeshRuntime rt = runtime;
        if (rt == null) {
            return;
        }
        List<SharedCapability> caps = new ArrayList<>();
        for (Capability c : localCapabilities.get()) {
            SharingPolicy p = policy;
            if (p != null && c.models().stream().noneMatch(p::offers) && !p.offers(c.name())) {
                continue; // not offered to the mesh
            }
            // a tool's JSON schema travels for agents on other members; its permissions so the asking node checks them before it asks
            caps.add(new SharedCapability(c.id(), c.metadata().getOrDefault("backend", ""), c.type(), c.name(), c.description(), c.models(),
                    c.tags(), Optional.ofNullable(c.metadata().get("sizeBytes")), Optional.ofNullable(c.metadata().get("parameters")),
                    Optional.ofNullable(c.metadata().get("permissions"))));
        }
        String body = Json.write(caps);
        String digest = sha256(nodeName + "\n" + role() + "\n" + body);
        MemberCost cost = MemberCost.coarse(localCost.get());
        String costNow = sha256(Json.write(cost));
        long now = clock.millis();
        boolean costMoved = !costNow.equals(costDigest) && now - costPublishedAt >= COST_REPUBLISH.toMillis();
        if (digest.equals(profileDigest) && !costMoved) {
            return;
        }
        long version = Math.max(profileVersion + 1, now);
        String role = role();
        Optional<String> proof = Optional.empty();
        try {
            proof = RoleProofs.proof(role, store.info().map(MeshStore.MeshInfo::meshId).orElse(""), identity.nodeId(),
                    store.meshKey(), store.adminCertificate());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot prove this node's role " + role + " to the mesh: " + e.getMessage());
        }
        profileJson = Json.write(new MemberProfile(identity.nodeId(), nodeName, endpoint(), version, role, proof, cost, caps));
        profileDigest = digest;
        costDigest = costNow;
        costPublishedAt = now;
        profileVersion = version;
        rt.publishCapabilities(version);
    }

    /** Cost factors change all the time; the mesh hears of a change at most this often. */
    private static final Duration COST_REPUBLISH = Duration.ofSeconds(10);

    private String role() {
        try {
            return store.info().map(MeshStore.MeshInfo::role).orElse("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Handles what arrives besides membership. */
    private final class Extension implements MeshRuntime.Extension {
        @Override
        public void unauthenticated(Link link, byte[] frame) {
            handleJoin(link, frame);
        }

        @Override
        public void reachable(String member, String endpoint) {
            MeshRuntime rt = runtime;
            String known = rt == null ? "" : rt.addressOf(member);
            // a member with a direct address keeps it: the runtime falls back to the relay when it does not answer
            heard(member, known.isEmpty() ? endpoint : known, "on a relay");
        }

        @Override
        public void message(Link link, EnvelopeVerifier.Verified v) {
            MeshRuntime rt = runtime;
            if (rt == null) {
                return;
            }
            switch (v.envelope().type()) {
                case "profile.get" -> {
                    if (!profileJson.isEmpty()) {
                        rt.send(v.sender(), "profile", profileJson.getBytes(StandardCharsets.UTF_8));
                    }
                }
                case "profile" -> learnProfile(v.sender(), v.envelope().payload());
                case "admin.grant" -> admins.granted(v.sender(), v.envelope().payload());
                case "membership.renew" -> {
                    if (memberships.renewed(v.sender(), v.envelope().payload(), revocations.withdrawn())) {
                        restartMesh();
                    }
                }
                case String t when MeshForwarding.handles(t) -> forwarding.message(v.sender(), t, v.envelope().payload());
                case String t when FileTransfer.handles(t) -> files.message(v.sender(), t, v.envelope().payload());
                default -> LOG.log(System.Logger.Level.DEBUG, "ignored a '" + v.envelope().type() + "' message from " + v.sender());
            }
        }

        @Override
        public void rolesChanged(MeshRoles.Roster roster) {
            String self = identity.nodeId();
            if (roster.retiredAt(self).isPresent() && !roster.admins().contains(self) && store.adminCertificate().isPresent()) {
                store.setAdmin(Optional.empty());
                LOG.log(System.Logger.Level.INFO, "the founder removed this node's admin role; it stays a member");
                events.accept(new NodeEvent("mesh.role", Instant.now(), Map.of("role", "member")));
                refreshProfile();
            }
        }

        @Override
        public void revoked(String node) {
            if (memberships.ownStanding(revocations.withdrawn()) == Memberships.Standing.CUT_OFF) {
                readmit();
            }
        }

        @Override
        public void stateChanged(String member, MemberState state) {
            KnownMember k = known.get(member);
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("nodeId", member);
            data.put("name", k == null ? "" : k.name());
            data.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
            events.accept(new NodeEvent("mesh.member", Instant.now(), data));
            dirty = true;
            if (state == MemberState.DEAD || state == MemberState.LEFT) {
                forwarding.lost(member);
                files.lost(member);
            }
        }
    }

    private void learnProfile(String sender, byte[] payload) {
        JsonNode p;
        try {
            p = Json.parse(new String(payload, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return;
        }
        if (!sender.equals(p.path("nodeId").asText())) {
            return; // a member speaks only for itself
        }
        long version = p.path("version").asLong();
        KnownMember k = known.get(sender);
        if (k != null && k.profileVersion() >= version) {
            return;
        }
        List<SharedCapability> caps = new ArrayList<>();
        for (JsonNode c : p.path("capabilities")) {
            try {
                caps.add(Json.MAPPER.treeToValue(c, SharedCapability.class));
            } catch (IOException | IllegalArgumentException e) {
                LOG.log(System.Logger.Level.DEBUG, "skipped a malformed capability of " + sender + ": " + e.getMessage());
            }
        }
        String name = farm.llama.atmosphere.runtime.util.SafeText.name(p.path("name").asText(""));
        String claimed = p.path("role").asText("member");
        String role = claimed.equals("member") ? claimed
                : RoleProofs.proven(claimed, p.path("roleProof").asText(""), sender, store.root(), revocations.withdrawn(), clock.instant());
        if (role.equals("admin")) {
            admins.knownAdmin(sender);
        }
        if (!role.equals(claimed) && !claimed.equals(claimedRoles.get(sender))) {
            LOG.log(System.Logger.Level.WARNING, "member " + sender + " says it is " + claimed + " without proof; shown as " + role);
        }
        claimedRoles.put(sender, claimed);
        roles.put(sender, role);
        if (p.has("cost")) {
            MemberCost cost;
            try {
                cost = Json.MAPPER.convertValue(p.path("cost"), MemberCost.class);
            } catch (IllegalArgumentException e) {
                cost = new MemberCost(false, 0, 0, 0, false, 1.0); // fields of the wrong type: shown as unknown, priced as neutral
            }
            double published = p.path("cost").path("overall").isNumber() ? cost.overall() : 1.0;
            double clamped = farm.llama.atmosphere.runtime.routing.CostModel.publishedNodeCost(published);
            if (clamped != published) {
                LOG.log(System.Logger.Level.INFO, "member " + sender + " published a cost factor of " + published + "; taken as " + clamped);
            }
            costs.put(sender, cost.withOverall(clamped));
        }
        String endpoint = k != null && !k.endpoint().isEmpty() ? k.endpoint() : p.path("endpoint").asText("");
        known.put(sender, new KnownMember(sender, name, endpoint, k == null ? "alive" : k.state(),
                Math.max(clock.millis(), k == null ? 0 : k.lastSeen()), version, List.copyOf(caps), k == null ? "" : k.admittedBy()));
        dirty = true;
        events.accept(new NodeEvent("mesh.capabilities", Instant.now(), Map.of("nodeId", sender, "name", name,
                "version", version, "capabilities", caps.size())));
    }

    // ---- serving across the mesh ----

    /**
     * @param serving runs a request another member forwarded here, on this node's own backends
     */
    public void serving(MeshForwarding.LocalServing serving) {
        forwarding.serving(serving);
    }

    private volatile SharingPolicy policy;

    /**
     * Has a member's backend fetch a model (the member checks tools.grants for models:deploy).
     *
     * @param nodeId the member
     * @param model the model
     * @param progress told each progress report
     */
    public void deploy(String nodeId, String model, Consumer<JsonNode> progress) {
        MeshRuntime rt = runtime;
        if (rt == null) {
            throw new AtmosphereException("The mesh is not running here; start the node with 'atmosphere serve'.");
        }
        MemberState state = rt.members().get(nodeId);
        if (state != MemberState.ALIVE && state != MemberState.SUSPECT) {
            throw new AtmosphereException("Node " + nodeId + " is not a live member. 'atmosphere mesh members' lists them.");
        }
        forwarding.deploy(nodeId, model, progress);
    }

    /** @return the live members other than this node */
    public List<String> liveMembers() {
        MeshRuntime rt = runtime;
        if (rt == null) {
            return List.of();
        }
        return rt.members().entrySet().stream()
                .filter(e -> !e.getKey().equals(identity.nodeId()) && (e.getValue() == MemberState.ALIVE || e.getValue() == MemberState.SUSPECT))
                .map(Map.Entry::getKey).sorted().toList();
    }

    /**
     * Runs a tool on another member for a caller; the member checks its tools.grants for this node's
     * id and for the node the call began on (and {@code trigger} for a trigger).
     *
     * @param nodeId the member
     * @param name the tool
     * @param argumentsJson its parameters
     * @param caller whom this node asks for
     * @return the result as JSON text
     */
    public String runTool(String nodeId, String name, String argumentsJson, farm.llama.atmosphere.runtime.tools.Caller caller) {
        requireLive(nodeId);
        // the member enforces the tool's own timeout; this wait only covers a member that vanishes
        return forwarding.runTool(nodeId, name, argumentsJson, Duration.ofMinutes(5), caller);
    }

    /** @throws farm.llama.atmosphere.spi.CallFailedException UNREACHABLE unless the mesh runs here and the node is a live member */
    private void requireLive(String nodeId) {
        MeshRuntime rt = runtime;
        if (rt == null) {
            throw new AtmosphereException("The mesh is not running here; start the node with 'atmosphere serve'.");
        }
        MemberState state = rt.members().get(nodeId);
        if (state != MemberState.ALIVE && state != MemberState.SUSPECT) {
            throw new farm.llama.atmosphere.spi.CallFailedException(farm.llama.atmosphere.spi.FailureKind.UNREACHABLE,
                    "Node " + nodeId + " is not a live member. 'atmosphere mesh members' lists them.");
        }
    }

    /** @param shares the files this node serves to members that pull them */
    public void shares(FileTransfer.Shares shares) {
        files.shares(shares);
    }

    /**
     * Copies a file a member shares (a model file) into {@code target}, resuming a partial copy.
     *
     * @param nodeId the member
     * @param name the name it shares the file under
     * @param target the finished file's path
     * @param maxBytesPerSecond pace, 0 for none
     * @param progress told as chunks arrive
     * @return the final progress
     */
    public FileTransfer.Progress pullFile(String nodeId, String name, java.nio.file.Path target, long maxBytesPerSecond,
                                          java.util.function.Consumer<FileTransfer.Progress> progress) {
        requireLive(nodeId);
        return files.pull(nodeId, name, target, maxBytesPerSecond, progress);
    }

    /**
     * Sends an intent to an agent of a type on a member (the member spawns one when it has none idle).
     *
     * @param nodeId the member
     * @param type the agent type
     * @param intent what to do
     * @param argsJson extra arguments, a JSON object
     * @param caller whom this node asks for (the member judges the intent by its grants and this node's)
     * @return the member's answer: {@code {agent, text, json, steps, ...}} as JSON text
     */
    public String invokeAgent(String nodeId, String type, String intent, String argsJson, farm.llama.atmosphere.runtime.tools.Caller caller) {
        requireLive(nodeId);
        // an agent's loop may take many model turns; the member bounds it by its step limit
        return forwarding.invokeAgent(nodeId, type, intent, argsJson, Duration.ofMinutes(10), caller);
    }

    /** @param policy what this node offers the mesh, enforced on forwarded requests and applied to its profile */
    public void policy(SharingPolicy policy) {
        this.policy = policy;
        forwarding.policy(policy);
        files.policy(policy);
    }

    /**
     * @return one backend per live member that shares capabilities, reached over the mesh; the
     *         same object while the member's profile is unchanged (it counts requests in flight)
     */
    public List<farm.llama.atmosphere.runtime.discovery.BackendState> remoteBackends() {
        MeshRuntime rt = runtime;
        if (rt == null) {
            return List.of();
        }
        Map<String, MemberState> states = rt.members();
        List<farm.llama.atmosphere.runtime.discovery.BackendState> out = new ArrayList<>();
        for (KnownMember k : known.values()) {
            MemberState state = states.get(k.nodeId());
            if (k.nodeId().equals(identity.nodeId()) || (state != MemberState.ALIVE && state != MemberState.SUSPECT)
                    || k.capabilities().isEmpty()) {
                continue;
            }
            String version = k.profileVersion() + "|" + state;
            farm.llama.atmosphere.runtime.discovery.BackendState b = remote.get(k.nodeId());
            if (b == null || !version.equals(remoteVersion.get(k.nodeId()))) {
                double cost = nodeCost(k.nodeId()) * (state == MemberState.SUSPECT ? SUSPECT_PENALTY : 1.0);
                b = farm.llama.atmosphere.runtime.discovery.BackendState.remote(new MeshBackendClient(k.nodeId(), k.endpoint(), forwarding),
                        8, remoteCapabilities(k), cost, rt.roundTrip(k.nodeId()));
                remote.put(k.nodeId(), b);
                remoteVersion.put(k.nodeId(), version);
            }
            out.add(b);
        }
        return out;
    }

    private double nodeCost(String nodeId) {
        MemberCost c = costs.get(nodeId);
        return c == null ? 1.0 : c.overall();
    }

    private static List<Capability> remoteCapabilities(KnownMember k) {
        List<Capability> out = new ArrayList<>();
        for (SharedCapability c : k.capabilities()) {
            try {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("backend", "mesh:" + k.nodeId());
                meta.put("remoteBackend", c.backend());
                meta.put("member", k.name());
                c.sizeBytes().ifPresent(size -> meta.put("sizeBytes", size));
                c.parameters().ifPresent(parameters -> meta.put("parameters", parameters));
                c.permissions().ifPresent(permissions -> meta.put("permissions", permissions));
                out.add(new Capability(k.nodeId() + "/" + c.id(), k.nodeId(), c.type(), c.name(), c.description(), c.models(), c.tags(),
                        "mesh://" + k.nodeId(), meta));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "skipped a malformed capability of " + k.nodeId() + ": " + e.getMessage());
            }
        }
        return out;
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

    // ---- joins (on the issuer) ----

    private void handleJoin(Link link, byte[] frame) {
        ObjectNode answer = Json.MAPPER.createObjectNode();
        Joins.Request request;
        String endpoint;
        try {
            JsonNode msg = Json.parse(new String(frame, StandardCharsets.UTF_8));
            if ("code".equals(msg.path("type").asText())) {
                handleCode(link, msg);
                return;
            }
            if (!"join".equals(msg.path("type").asText())) {
                refuse(link, "malformed", "expected a join request");
                return;
            }
            int protocol = msg.path("protocol").asInt(2); // joiners before version 3 did not say
            if (protocol != Envelope.VERSION) {
                refuse(link, "version", "the joiner speaks protocol version " + protocol + ", this mesh speaks version " + Envelope.VERSION
                        + "; members of a mesh must run the same version of Atmosphere");
                return;
            }
            request = Json.MAPPER.treeToValue(msg.path("request"), Joins.Request.class);
            if (request != null) {
                // the name is not signed and is shown to the owner: terminal-safe, at most 64 characters
                request = new Joins.Request(request.token(), request.nodeId(), farm.llama.atmosphere.runtime.util.SafeText.name(request.name()),
                        request.publicKey(), request.at(), request.proof());
            }
            endpoint = msg.path("endpoint").asText("");
            if (request == null || request.nodeId() == null) {
                refuse(link, "malformed", "a join request without a node id");
                return;
            }
        } catch (IOException | IllegalArgumentException e) {
            refuse(link, "malformed", "not a join request");
            return;
        }
        if (!endpoint.isEmpty() && !endpoint.matches("wss://[A-Za-z0-9.\\-\\[\\]:]+(/.*)?")
                && !endpoint.equals(MeshRuntime.RELAY_SCHEME + request.nodeId())) {
            refuse(link, "malformed", "the joiner's endpoint is neither wss://host:port nor relay:<its node id>");
            return;
        }
        Joins.Checked checked;
        try {
            checked = Joins.check(request, identity, store, revocations.revoked(), clock.instant());
            if (revocations.revoked().contains(identity.nodeId())) {
                throw new MeshSecurityException(MeshSecurityException.Reason.REVOKED, "this node was revoked from the mesh; it admits no one");
            }
            if (store.meshKey().isEmpty() && store.adminCertificate().isEmpty()) {
                throw new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED,
                        "this member cannot admit members; join through the founder or an admin");
            }
        } catch (MeshSecurityException e) {
            refuse(link, e.reason().name().toLowerCase(java.util.Locale.ROOT), e.getMessage());
            return;
        }
        Approved ok = approved.get(request.nodeId());
        if (ok != null) {
            send(link, ok.answer());
            return;
        }
        if (settings.approval().equals("auto") && checked.invite() != null) {
            try {
                invites.redeem(checked.invite().id(), clock.instant());
            } catch (MeshSecurityException e) {
                refuse(link, e.reason().name().toLowerCase(java.util.Locale.ROOT), e.getMessage());
                return;
            }
            send(link, admit(checked, endpoint));
            return;
        }
        if (pending.size() >= MAX_PENDING && !pending.containsKey(request.nodeId())) {
            refuse(link, "busy", "too many joins are waiting for approval; try later");
            return;
        }
        Pending p = new Pending(checked, endpoint, link, clock.instant());
        pending.put(request.nodeId(), p);
        answer.put("status", "pending");
        send(link, answer);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("nodeId", request.nodeId());
        data.put("name", request.name() == null ? "" : request.name());
        data.put("invite", checked.invite() == null ? "" : checked.invite().id());
        events.accept(new NodeEvent("mesh.join.pending", Instant.now(), data));
        LOG.log(System.Logger.Level.INFO, "node " + request.nodeId() + " ('" + request.name() + "') asks to join; "
                + "'atmosphere approve " + request.nodeId() + "' admits it, '--deny' refuses");
    }

    private ObjectNode admit(Joins.Checked checked, String endpoint) {
        Joins.Grant grant = Joins.grant(checked, store, identity);
        String nodeId = checked.request().nodeId();
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("status", "granted");
        answer.set("grant", Json.MAPPER.valueToTree(grant));
        ArrayNode members = answer.putArray("members");
        ObjectNode me = members.addObject();
        me.put("nodeId", identity.nodeId());
        me.put("name", nodeName);
        me.put("endpoint", endpoint());
        MeshRuntime rt = runtime;
        if (rt != null) {
            for (Map.Entry<String, MemberState> e : rt.members().entrySet()) {
                if (e.getKey().equals(identity.nodeId()) || e.getKey().equals(nodeId)
                        || !(e.getValue() == MemberState.ALIVE || e.getValue() == MemberState.SUSPECT)) {
                    continue;
                }
                KnownMember k = known.get(e.getKey());
                ObjectNode m = members.addObject();
                m.put("nodeId", e.getKey());
                m.put("name", k == null ? "" : k.name());
                m.put("endpoint", rt.addressOf(e.getKey()));
            }
            rt.admit(nodeId, endpoint);
        }
        String name = checked.request().name() == null ? "" : checked.request().name();
        known.put(nodeId, new KnownMember(nodeId, name, endpoint, "alive", clock.millis(), 0, List.of()));
        dirty = true;
        approved.put(nodeId, new Approved(answer, clock.instant()));
        joinCounts.merge("granted", 1L, Long::sum);
        events.accept(new NodeEvent("mesh.join.granted", Instant.now(), Map.of("nodeId", nodeId, "name", name)));
        LOG.log(System.Logger.Level.INFO, "admitted node " + nodeId + " ('" + name + "') to the mesh");
        return answer;
    }

    private void refuse(Link link, String reason, String message) {
        joinCounts.merge("refused_" + reason, 1L, Long::sum);
        ObjectNode a = Json.MAPPER.createObjectNode();
        a.put("status", "refused");
        a.put("reason", reason);
        a.put("error", message);
        send(link, a);
        LOG.log(System.Logger.Level.INFO, "refused a join from " + link.remote() + ": " + message);
    }

    private static void send(Link link, ObjectNode answer) {
        link.send(Json.write(answer).getBytes(StandardCharsets.UTF_8));
    }

    /** @return the joins waiting for approval */
    public List<PendingJoin> pending() {
        return pending.values().stream()
                .map(p -> new PendingJoin(p.checked().request().nodeId(), String.valueOf(p.checked().request().name()), p.endpoint(),
                        p.checked().invite() == null ? "" : p.checked().invite().id(), p.at().toString()))
                .sorted(java.util.Comparator.comparing(PendingJoin::at)).toList();
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
        Pending p = pending.remove(nodeId);
        if (p == null) {
            throw new AtmosphereException("No join request from " + nodeId + " is waiting. 'atmosphere approve' lists them.");
        }
        PendingJoin shown = new PendingJoin(nodeId, String.valueOf(p.checked().request().name()), p.endpoint(),
                p.checked().invite() == null ? "" : p.checked().invite().id(), p.at().toString());
        if (deny) {
            ObjectNode a = Json.MAPPER.createObjectNode();
            a.put("status", "denied");
            send(p.link(), a);
            joinCounts.merge("denied", 1L, Long::sum);
            events.accept(new NodeEvent("mesh.join.denied", Instant.now(), Map.of("nodeId", nodeId)));
            return shown;
        }
        if (p.checked().invite() != null) {
            try {
                invites.redeem(p.checked().invite().id(), clock.instant());
            } catch (MeshSecurityException e) {
                pending.put(nodeId, p);
                throw new AtmosphereException("Cannot approve: " + e.getMessage() + ". Deny it with --deny.");
            }
        }
        ObjectNode answer = admit(p.checked(), p.endpoint());
        if (p.link().isOpen()) {
            send(p.link(), answer);
        }
        return shown;
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
        MeshRuntime rt = runtime;
        List<MeshMember> out = new ArrayList<>();
        MeshCertificates.Withdrawn withdrawn = revocations == null ? MeshCertificates.Withdrawn.NONE : revocations.withdrawn();
        String admittedBy = "";
        String certificate;
        try {
            List<java.security.cert.X509Certificate> chain = store.chain();
            admittedBy = chain.size() < 2 ? "" : MeshCertificates.nodeIdOf(chain.get(1));
            certificate = memberships.ownStanding(withdrawn).shown();
        } catch (RuntimeException e) {
            certificate = "unreadable";
        }
        out.add(new MeshMember(identity.nodeId(), nodeName, "alive", role(), true, endpoint(),
                rt == null ? "" : String.join("+", rt.transportTypes()), Instant.ofEpochMilli(clock.millis()).toString(),
                localCapabilities.get().size(), Optional.empty(), Optional.of(MemberCost.coarse(localCost.get())), Optional.empty(), admittedBy,
                certificate,
                Optional.empty()));
        Map<String, MemberState> live = rt == null ? Map.of() : rt.members();
        List<KnownMember> others = new ArrayList<>(known.values());
        others.sort(java.util.Comparator.comparing(KnownMember::name).thenComparing(KnownMember::nodeId));
        for (KnownMember k : others) {
            if (k.nodeId().equals(identity.nodeId())) {
                continue;
            }
            MemberState s = live.get(k.nodeId());
            long heard = rt == null ? 0 : rt.lastHeard(k.nodeId());
            long seen = Math.max(heard, k.lastSeen());
            out.add(new MeshMember(k.nodeId(), k.name(), s == null ? k.state() : s.name().toLowerCase(java.util.Locale.ROOT),
                    roles.getOrDefault(k.nodeId(), ""), false,
                    rt != null && !rt.addressOf(k.nodeId()).isEmpty() ? rt.addressOf(k.nodeId()) : k.endpoint(),
                    rt == null ? "" : rt.transportOf(k.nodeId()), seen == 0 ? null : Instant.ofEpochMilli(seen).toString(),
                    k.capabilities().size(), rt == null || s == null ? Optional.empty() : Optional.of(Math.round(rt.roundTrip(k.nodeId()) * 100) / 100.0),
                    Optional.ofNullable(costs.get(k.nodeId())), Optional.of(k.capabilities()), k.admittedBy(),
                    Memberships.standing(k.admittedBy(), withdrawn).shown(),
                    rt == null ? Optional.empty() : rt.versionMismatch(k.nodeId())));
        }
        return out;
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
        Map<String, Long> joins = new java.util.TreeMap<>(joinCounts);
        joins.put("pending", (long) pending.size());
        out.put("joins", joins);
        out.put("files", files.stats());
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
        List<String> eps = new ArrayList<>(settings.advertise());
        if (eps.isEmpty()) {
            eps.addAll(endpoints());
        }
        if (eps.isEmpty()) {
            eps.add(endpoint());
        }
        eps.removeIf(e -> e.startsWith(MeshRuntime.RELAY_SCHEME));
        List<String> relays = relays();
        if (eps.isEmpty()) {
            throw new AtmosphereException("This node does not listen (mesh.transports: " + settings.transportsToRun(relays)
                    + "), so nobody could join through it. Create the invite on a member that listens, or add websocket to mesh.transports.");
        }
        return new Invites(store.dir()).create(identity, store, ttl, uses, eps, relays);
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
            rt.leave();
            try {
                Thread.sleep(Math.min(500, settings.swim().probeInterval().toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stop();
        known.clear();
        pending.clear();
        approved.clear();
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
            target = redeem(code.get(), progress);
        }
        MeshJoiner.Joined j = MeshJoiner.join(target, identity, nodeName, store,
                this::directTransport,
                endpoint(), settings.joinWait(), clock, progress);
        start();
        return j;
    }

    private Transport directTransport() {
        return transports.apply(settings.transport()).orElseThrow(() -> new AtmosphereException("No '" + settings.transport()
                + "' transport plugin is installed; cannot join."));
    }

    /**
     * What a transport reports for diagnostics.
     *
     * @param type the transport
     * @param relays its relay connections (a relay transport)
     */
    public record TransportStatus(String type, List<NetworkReport.Relay> relays) {
    }

    /** @return each transport the mesh runs over, with what it reports (a relay: its connections and round trips) */
    public List<TransportStatus> transportStatus() {
        MeshRuntime rt = runtime;
        List<TransportStatus> out = new ArrayList<>();
        if (rt == null) {
            return out;
        }
        for (Transport t : rt.transports()) {
            List<NetworkReport.Relay> relays = new ArrayList<>();
            try {
                // plugins report plain values, lists and maps (the SPI's diagnostics form); read as the rows they are
                for (JsonNode r : Json.MAPPER.valueToTree(t.status()).path("relays")) {
                    relays.add(Json.MAPPER.treeToValue(r, NetworkReport.Relay.class));
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the " + t.type() + " transport's status is unreadable (its rows are left out of 'network'): " + e);
            }
            out.add(new TransportStatus(t.type(), relays));
        }
        return out;
    }

    /** @return the relays this node keeps a connection to: {@code mesh.relays}, then those its invite named */
    public List<String> relays() {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(settings.relays());
        try {
            if (store.info().isPresent()) {
                all.addAll(store.relays());
            }
        } catch (AtmosphereException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage() + " Using the relays in mesh.relays only.");
        }
        return List.copyOf(all);
    }

    /** This node's membership as a relay transport may use it: the chain with the root, signatures, revocations. */
    private farm.llama.atmosphere.spi.transport.MeshCredentials credentials(String meshId, List<java.security.cert.X509Certificate> chain,
                                                                               java.security.cert.X509Certificate root, Revocations rev,
                                                                               List<String> relays) {
        List<byte[]> der = new ArrayList<>();
        try {
            for (java.security.cert.X509Certificate c : chain) {
                der.add(c.getEncoded());
            }
            der.add(root.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        List<byte[]> chainDer = List.copyOf(der);
        return new farm.llama.atmosphere.spi.transport.MeshCredentials() {
            @Override
            public String meshId() {
                return meshId;
            }

            @Override
            public String nodeId() {
                return identity.nodeId();
            }

            @Override
            public List<byte[]> chain() {
                return chainDer;
            }

            @Override
            public byte[] sign(byte[] data) {
                return identity.sign(data);
            }

            @Override
            public List<String> revocations() {
                return rev.all().stream().map(Json::write).toList();
            }

            @Override
            public List<String> relays() {
                return relays;
            }
        };
    }

    /** Finds the issuer of a short code on the LAN and trades the code for its invite token. */
    private String redeem(String code, Consumer<String> progress) {
        LanPresence presence = lan;
        boolean temporary = presence == null;
        try {
            if (temporary) {
                presence = LanPresence.start(java.net.InetAddress.getByName(lanAddress()), identity.nodeId());
            }
            progress.accept("Looking for the code's issuer on the LAN (mDNS)...");
            List<LanPresence.Nearby> nodes = presence.awaitMeshNodes(CODE_SEARCH);
            if (nodes.isEmpty()) {
                throw new AtmosphereException("No Atmosphere node in a mesh answered on this network within " + CODE_SEARCH.toSeconds()
                        + " s (mDNS on " + lanAddress() + "). Are both devices on the same LAN, and is the issuer serving? A token from"
                        + " 'atmosphere mesh invite' works across networks.");
            }
            return MeshJoiner.redeemCode(code, nodes.stream().map(LanPresence.Nearby::endpoint).toList(),
                    this::directTransport, progress);
        } catch (java.io.IOException e) {
            throw new AtmosphereException("mDNS cannot start on " + lanAddress() + " (" + e.getMessage()
                    + "); set mesh.mdns-address, or join with the invite token instead.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtmosphereException("Interrupted while looking for the code's issuer.");
        } finally {
            if (temporary && presence != null) {
                presence.close();
            }
        }
    }

    private static final Duration CODE_SEARCH = Duration.ofSeconds(15);
    /** Wrong or expired short codes accepted per minute from one address before the issuer stops answering it for a while. */
    static final int CODE_ATTEMPTS_PER_MINUTE = 10;
    /** Wrong or expired short codes accepted per minute from all addresses together (a ceiling for many hosts). */
    static final int CODE_ATTEMPTS_PER_MINUTE_ALL = 100;
    private final CodeBudget codeFailures = new CodeBudget(CODE_ATTEMPTS_PER_MINUTE, CODE_ATTEMPTS_PER_MINUTE_ALL);

    /** A joiner trades a short code for the invite it stands for (sealed for whoever holds the code); wrong guesses are limited per address. */
    private void handleCode(Link link, JsonNode msg) {
        int exchange = msg.path("exchange").asInt(1);
        if (exchange != ShortCodes.EXCHANGE) {
            refuse(link, "version", "the joiner speaks short-code exchange version " + exchange + ", this node speaks version "
                    + ShortCodes.EXCHANGE + " (protocol " + Envelope.VERSION + "): update the older of the two, or join with the invite token");
            return;
        }
        String lookup = msg.path("lookup").asText();
        String nonce = msg.path("nonce").asText();
        if (!lookup.matches("[0-9a-f]{16}") || !nonce.matches("[0-9a-f]{32}")) {
            refuse(link, "malformed", "a short-code request needs a lookup and a nonce");
            return;
        }
        long now = clock.millis();
        String address = CodeBudget.address(link.remote());
        Optional<String> spent = codeFailures.spent(address, now);
        if (spent.isPresent()) {
            refuse(link, "code_rate", spent.get());
            return;
        }
        Invites inv = invites;
        Optional<Invites.ByCode> found;
        try {
            found = inv == null ? Optional.empty() : inv.byLookup(lookup, clock.instant());
        } catch (MeshSecurityException e) {
            codeFailures.failed(address, now);
            refuse(link, e.reason() == MeshSecurityException.Reason.EXPIRED ? "code_expired" : "code_used", e.getMessage());
            return;
        }
        if (found.isEmpty()) {
            codeFailures.failed(address, now);
            refuse(link, "bad_code", "no invite of this node has that code");
            return;
        }
        String issuerNonce = ShortCodes.nonce();
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("status", "code");
        answer.put("exchange", ShortCodes.EXCHANGE);
        answer.put("nonce", issuerNonce);
        ShortCodes.seal(found.get().code(), nonce, issuerNonce, found.get().token()).forEach(answer::put);
        joinCounts.merge("code_answered", 1L, Long::sum);
        send(link, answer);
    }

    // ---- persistence ----

    private void saveNow() {
        dirty = false;
        try {
            saveMembers(store.dir(), List.copyOf(known.values()));
        } catch (AtmosphereException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
    }

    /**
     * Writes {@code members.json} atomically.
     *
     * @param meshDir the mesh folder
     * @param members the members
     */
    static void saveMembers(Path meshDir, List<KnownMember> members) {
        if (!Files.isDirectory(meshDir)) {
            return;
        }
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("format", MEMBERS_FORMAT);
        doc.set("members", Json.MAPPER.valueToTree(members));
        try {
            AtomicFiles.writeString(meshDir.resolve("members.json"), Json.pretty(doc) + "\n", AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot write " + meshDir.resolve("members.json") + ": " + e.getMessage(), e);
        }
    }

    static List<KnownMember> loadMembers(Path meshDir) {
        Path file = meshDir.resolve("members.json");
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            JsonNode doc = FileFormat.read(file, MEMBERS_FORMAT);
            List<KnownMember> out = new ArrayList<>();
            for (JsonNode m : doc.path("members")) {
                out.add(Json.MAPPER.treeToValue(m, KnownMember.class));
            }
            return out;
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, file + " is unreadable (" + e.getMessage() + "); starting from an empty member list");
            return List.of();
        }
    }
}
