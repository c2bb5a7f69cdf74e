package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.AdminChange;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.NodeEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Who may do what in the mesh, on this node: the founder grants and removes the admin role (a
 * roster of roles signed by the mesh key, {@link MeshRoles}); an admin certificate delivered to
 * this node is checked and kept; revocations are made here — never of the founder or an admin
 * unless this node holds the mesh key, and of a node that admitted members only once the caller
 * accepted that they are cut off with it. Thread-safe.
 */
final class MeshAdmins {

    private static final System.Logger LOG = System.getLogger(MeshAdmins.class.getName());

    private final Identity identity;
    private final MeshStore store;
    private final Clock clock;
    private final Consumer<NodeEvent> events;
    private final Duration probeInterval;
    private final Supplier<MeshRuntime> runtime;
    private final Supplier<Revocations> revocations;
    private final Map<String, KnownMember> known;
    private final Map<String, String> proven;
    private final Runnable markDirty;

    /**
     * @param identity this node
     * @param store its mesh state
     * @param clock the clock
     * @param events where mesh events go
     * @param probeInterval how often the membership protocol probes (paces deliveries)
     * @param runtime the running mesh, or null
     * @param revocations this node's revocations and roster
     * @param known the members this node knows (shared, live)
     * @param proven each member's role as its proof bears out (shared, live)
     * @param markDirty marks the member list for saving
     */
    MeshAdmins(Identity identity, MeshStore store, Clock clock, Consumer<NodeEvent> events, Duration probeInterval,
               Supplier<MeshRuntime> runtime, Supplier<Revocations> revocations, Map<String, KnownMember> known,
               Map<String, String> proven, Runnable markDirty) {
        this.identity = identity;
        this.store = store;
        this.clock = clock;
        this.events = events;
        this.probeInterval = probeInterval;
        this.runtime = runtime;
        this.revocations = revocations;
        this.known = known;
        this.proven = proven;
        this.markDirty = markDirty;
    }

    private static final Duration ADMIN_CONFIRM = Duration.ofSeconds(20);
    /** Grants waiting for their member to prove the role, completed by {@link #knownAdmin}. */
    private final Map<String, CompletableFuture<Void>> confirmations = new ConcurrentHashMap<>();

    /**
     * The founder makes a member an admin (an intermediate certificate for the member's key, path
     * length 0, and a new roster of roles naming it), or removes the role: a new roster, signed by
     * the mesh key, retires the admin from now on — nothing it signs after counts anywhere, the
     * members it admitted keep their certificates until the founder or another admin re-issues
     * them on next contact, and it stays a member. A grant is delivered to the member, which must
     * be reachable; a removal takes effect whether or not it is.
     *
     * @param nodeId the member
     * @param remove remove the role instead
     * @return what was done
     */
    AdminChange admin(String nodeId, boolean remove) {
        var key = store.meshKey().orElseThrow(() -> new AtmosphereException("Only the founder (holder of the mesh key) can grant or remove the admin role."));
        MeshRuntime rt = runtime.get();
        if (rt == null) {
            throw new AtmosphereException("The mesh is not running here; start the node with 'atmosphere serve'.");
        }
        if (nodeId.equals(identity.nodeId())) {
            throw new AtmosphereException("The founder holds the mesh key; it needs no admin role.");
        }
        X509Certificate root = store.root();
        MeshRoles roster = revocations.get().roles();
        if (remove) {
            if (!roster.found(root, key, identity.nodeId()).admins().contains(nodeId)) {
                throw new AtmosphereException("Node " + nodeId + " is not an admin of this mesh; nothing was changed. "
                        + "'atmosphere mesh members' shows each member's role.");
            }
            Instant at = clock.instant();
            rt.takeRoles(roster.retire(root, key, identity.nodeId(), nodeId, at), identity.nodeId());
            AdminChange out = AdminChange.removed(nodeId, at.toString(),
                    Memberships.admittedBy(known.values(), nodeId).stream().map(KnownMember::nodeId).toList());
            events.accept(new NodeEvent("mesh.admin", Instant.now(), Map.of("nodeId", nodeId, "role", out.role(), "retiredAt", at.toString(),
                    "reissued", out.reissued().orElseThrow())));
            LOG.log(System.Logger.Level.INFO, () -> "removed the admin role of " + nodeId + " from " + at
                    + "; the certificates it signed before are re-issued on next contact");
            return out;
        }
        MemberState state = rt.members().get(nodeId);
        if (state != MemberState.ALIVE && state != MemberState.SUSPECT) {
            throw new AtmosphereException("Node " + nodeId + " is not a live member (" + (state == null ? "unknown" : state.name().toLowerCase(Locale.ROOT))
                    + "). 'atmosphere mesh members' lists them.");
        }
        X509Certificate member = rt.certificateOf(nodeId).orElseThrow(() ->
                new AtmosphereException("No message from " + nodeId + " has arrived yet; try again in a moment."));
        X509Certificate admin = MeshCertificates.admin(root, key, member.getPublicKey(), MeshStore.MEMBERSHIP);
        // the mesh learns the new admin before the admin can act as one
        MeshRoles.Roster granted = roster.grant(root, key, identity.nodeId(), nodeId);
        rt.takeRoles(granted, identity.nodeId());
        byte[] payload;
        try {
            // the roster naming it travels with the certificate: an admin always knows the roles it acts under
            payload = Json.write(Map.of("certificate",
                    Base64.getEncoder().encodeToString(admin.getEncoded()), "roles", Json.write(granted)))
                    .getBytes(StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        AdminChange out = AdminChange.granted(nodeId, admin.getNotAfter().toInstant().toString());
        // delivered until the member confirms through its profile (a single message may be lost on a link being re-opened)
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        confirmations.put(nodeId, confirmed);
        long end = System.nanoTime() + ADMIN_CONFIRM.toNanos();
        try {
            while (!"admin".equals(proven.get(nodeId))) {
                if (System.nanoTime() > end) {
                    throw new AtmosphereException("Node " + nodeId + " did not confirm its admin role within "
                            + ADMIN_CONFIRM.toSeconds() + " s; it may be unreachable. Try again.");
                }
                rt.send(nodeId, "admin.grant", payload);
                try {
                    confirmed.get(Math.max(200, Math.min(1000, probeInterval.toMillis())), TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException resend) {
                    // the member's new role arrives with its next profile; ask for it, and send the grant again
                    rt.send(nodeId, "profile.get", new byte[0]);
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AtmosphereException("Interrupted while waiting for " + nodeId + " to confirm.");
                }
            }
        } finally {
            confirmations.remove(nodeId, confirmed);
        }
        events.accept(new NodeEvent("mesh.admin", Instant.now(), Map.of("nodeId", nodeId, "role", out.role(), "expires", out.expires().orElseThrow())));
        return out;
    }

    /** On the founder: an admin proved its role (its certificate came from the mesh key) that the roster does not list — granted before rosters existed. */
    void knownAdmin(String node) {
        CompletableFuture<Void> waiting = confirmations.get(node);
        if (waiting != null) {
            waiting.complete(null);
        }
        var key = store.meshKey();
        MeshRuntime rt = runtime.get();
        if (key.isEmpty() || rt == null) {
            return;
        }
        MeshRoles roster = revocations.get().roles();
        MeshRoles.Roster r = roster.found(store.root(), key.get(), identity.nodeId());
        if (!r.admins().contains(node) && r.retiredAt(node).isEmpty()) {
            rt.takeRoles(roster.grant(store.root(), key.get(), identity.nodeId(), node), identity.nodeId());
        }
    }

    void granted(String sender, byte[] payload) {
        try {
            JsonNode grant = Json.parse(new String(payload, StandardCharsets.UTF_8));
            MeshRoles.Roster roster = Json.MAPPER.readValue(grant.path("roles").asText(), MeshRoles.Roster.class);
            MeshRuntime rt = runtime.get();
            if (rt != null) {
                rt.takeRoles(roster, sender);
            } else {
                revocations.get().takeRoles(roster, store.root());
            }
            X509Certificate cert = MeshCertificates.parse(Base64.getDecoder().decode(grant.path("certificate").asText()));
            // whoever delivers it, only the mesh key can have signed an admin certificate for this node's key
            String node = MeshCertificates.verify(List.of(cert), store.root(), revocations.get().revoked(), clock.instant());
            boolean retired = revocations.get().roles().current().map(r -> r.retiredAt(identity.nodeId()).isPresent()
                    && !r.admins().contains(identity.nodeId())).orElse(false);
            if (retired) {
                LOG.log(System.Logger.Level.WARNING, () -> "ignored an admin certificate from " + sender + ": the roster says this node's admin role was removed");
                return;
            }
            if (!node.equals(identity.nodeId()) || cert.getBasicConstraints() < 0
                    || !cert.getPublicKey().equals(identity.publicKey())) {
                LOG.log(System.Logger.Level.WARNING, () -> "ignored an admin certificate from " + sender + " that is not for this node");
                return;
            }
            store.setAdmin(Optional.of(cert));
            LOG.log(System.Logger.Level.INFO, "this node is now an admin of the mesh: it can invite, approve and revoke");
            events.accept(new NodeEvent("mesh.role", Instant.now(), Map.of("role", "admin")));
        } catch (IOException | IllegalArgumentException | MeshSecurityException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "refused an admin certificate from " + sender + ": " + e.getMessage());
        }
    }

    /**
     * Revokes a member and spreads the revocation. The founder may revoke anyone; an admin may not
     * revoke the founder or another admin. Revoking a node that admitted members (an admin, or a
     * removed admin) cuts them off too, so it needs {@code confirm}.
     *
     * @param nodeId the member
     * @param confirm whether the caller accepted the consequences for the members it admitted
     * @return the revocation
     * @throws AtmosphereException saying what would happen, when confirmation is needed and missing
     */
    Revocations.Revocation revoke(String nodeId, boolean confirm) {
        if (store.info().isEmpty()) {
            throw new AtmosphereException("This node is not in a mesh.");
        }
        if (!Identity.isNodeId(nodeId)) {
            throw new AtmosphereException("A node id is 16 hex characters, got '" + nodeId + "'.");
        }
        if (nodeId.equals(identity.nodeId())) {
            throw new AtmosphereException("A node cannot revoke itself; use 'atmosphere mesh leave'.");
        }
        Revocations rev = revocations.get();
        var key = store.meshKey();
        Optional<MeshRoles.Roster> roster = rev.roles().current();
        if (key.isEmpty() && roster.map(r -> r.isProtected(nodeId)).orElse(false)) {
            throw new AtmosphereException("Only the founder (holder of the mesh key) can revoke " + nodeId + ": it is "
                    + (nodeId.equals(roster.get().founder()) ? "the founder" : "an admin") + ". Nothing was changed.");
        }
        List<KnownMember> admitted = Memberships.admittedBy(known.values(), nodeId);
        boolean admits = roster.map(r -> r.admins().contains(nodeId) || r.retiredAt(nodeId).isPresent()).orElse(false);
        if ((admits || !admitted.isEmpty()) && !confirm) {
            throw new AtmosphereException(consequences(nodeId, admitted));
        }
        Revocations.Revocation r;
        try {
            if (key.isPresent()) {
                r = Revocations.signAsFounder(store.root(), key.get(), nodeId);
            } else {
                var admin = store.adminCertificate().orElseThrow(() ->
                        new AtmosphereException("Only the founder or an admin can revoke; this node is a member."));
                r = rev.signAsAdmin(store.root(), admin, identity, nodeId);
            }
            rev.check(r, store.root());
        } catch (MeshSecurityException e) {
            throw new AtmosphereException("Cannot revoke " + nodeId + ": " + e.getMessage() + ". Nothing was changed.", e);
        }
        MeshRuntime rt = runtime.get();
        if (rt != null) {
            // the members it cuts off hear it first, while this node still trusts their certificates: then they ask to be re-admitted
            byte[] told = Json.write(r).getBytes(StandardCharsets.UTF_8);
            for (KnownMember m : admitted) {
                try {
                    rt.sendReliably(m.nodeId(), "revocation", told);
                } catch (CallFailedException | IllegalStateException e) {
                    LOG.log(System.Logger.Level.INFO, () -> "could not tell " + m.nodeId() + " that it is cut off (" + e.getMessage()
                            + "); it learns it from the other members");
                }
            }
        }
        rev.accept(r, store.root());
        if (rt != null) {
            rt.revoke(r);
            if (key.isPresent() && roster.map(x -> x.admins().contains(nodeId)).orElse(false)) {
                rt.takeRoles(rev.roles().drop(store.root(), key.get(), identity.nodeId(), nodeId), identity.nodeId());
            }
        }
        KnownMember k = known.get(nodeId);
        if (k != null) {
            known.put(nodeId, new KnownMember(nodeId, k.name(), k.endpoint(), "left", k.lastSeen(), k.profileVersion(), List.of(), k.admittedBy()));
            markDirty.run();
        }
        events.accept(new NodeEvent("mesh.revoked", Instant.now(), Map.of("nodeId", nodeId,
                "cutOff", admitted.stream().map(KnownMember::nodeId).toList())));
        return r;
    }

    /**
     * @param nodeId a node
     * @return the members whose certificates it signed, as far as this node knows
     */
    List<String> admittedBy(String nodeId) {
        return Memberships.admittedBy(known.values(), nodeId).stream().map(KnownMember::nodeId).toList();
    }

    /** What revoking a node that admitted members does to them, and the choices. */
    private static String consequences(String nodeId, List<KnownMember> admitted) {
        String who = admitted.isEmpty() ? "no member this node knows of"
                : admitted.size() + " member" + (admitted.size() == 1 ? "" : "s") + " (" + admitted.stream()
                        .map(k -> k.nodeId() + (k.name().isEmpty() ? "" : " '" + k.name() + "'")).collect(Collectors.joining(", ")) + ")";
        return "Node " + nodeId + " can admit members, and admitted " + who + ". Revoking it voids every certificate it signed: "
                + "those members are cut off from the mesh until you re-admit them (each one asks by itself; 'atmosphere mesh members' "
                + "lists them as cut-off and 'atmosphere approve NODE' re-admits one). To take away only its admin role and keep its "
                + "members, run 'atmosphere mesh admin " + nodeId + " --remove'. To revoke it anyway, add --yes.";
    }
}
