package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.transport.Link;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What arrives besides membership: joins on unauthenticated links, profiles, admin grants,
 * renewals, calls and file transfers between members; and what the runtime reports — members
 * reachable again, state changes, rosters of roles, revocations.
 */
final class MeshInbox implements MeshExtension {

private static final System.Logger LOG = System.getLogger(MeshInbox.class.getName());

/** What the inbox needs of the mesh service that owns it. */
interface Owner {
    /** @return the running mesh, or null */
    MeshRuntime runtime();

    /** @return the revocations in effect */
    Revocations revocations();

    /** Restarts the mesh: this node's membership was renewed. */
    void restartMesh();

    /** Asks the founder and admins to re-admit this node: its membership died with the admin that signed it. */
    void readmit();

    /** Republishes this node's profile. */
    void refreshProfile();

    /** The member list changed: save it. */
    void changed();
}

private final String self;
private final MeshStore store;
private final JoinDesk joins;
private final Rediscovery rediscovery;
private final ProfilePublisher profile;
private final ProfileLearner profiles;
private final MeshAdmins admins;
private final Memberships memberships;
private final MeshCalls calls;
private final Map<String, KnownMember> known;
private final Consumer<NodeEvent> events;
private final Owner owner;

MeshInbox(String self, MeshStore store, JoinDesk joins, Rediscovery rediscovery, ProfilePublisher profile, ProfileLearner profiles,
          MeshAdmins admins, Memberships memberships, MeshCalls calls, Map<String, KnownMember> known, Consumer<NodeEvent> events,
          Owner owner) {
    this.self = self;
    this.store = store;
    this.joins = joins;
    this.rediscovery = rediscovery;
    this.profile = profile;
    this.profiles = profiles;
    this.admins = admins;
    this.memberships = memberships;
    this.calls = calls;
    this.known = known;
    this.events = events;
    this.owner = owner;
}
    @Override
    public void unauthenticated(Link link, byte[] frame) {
        joins.handle(link, frame);
    }

    @Override
    public void reachable(String member, String endpoint) {
        MeshRuntime rt = owner.runtime();
        String known = rt == null ? "" : rt.addressOf(member);
        // a member with a direct address keeps it: the runtime falls back to the relay when it does not answer
        rediscovery.heard(member, known.isEmpty() ? endpoint : known, "on a relay");
    }

    @Override
    public void message(Link link, EnvelopeVerifier.Verified v) {
        MeshRuntime rt = owner.runtime();
        if (rt == null) {
            return;
        }
        switch (v.envelope().type()) {
            case "profile.get" -> {
                String mine = profile.json();
                if (!mine.isEmpty()) {
                    rt.send(v.sender(), "profile", mine.getBytes(StandardCharsets.UTF_8));
                }
            }
            case "profile" -> profiles.learn(v.sender(), v.envelope().payload());
            case "admin.grant" -> admins.granted(v.sender(), v.envelope().payload());
            case "membership.renew" -> {
                if (memberships.renewed(v.sender(), v.envelope().payload(), owner.revocations().withdrawn())) {
                    owner.restartMesh();
                }
            }
            case String t when MeshCalls.handles(t) -> calls.message(v.sender(), t, v.envelope().payload());
            default -> LOG.log(System.Logger.Level.DEBUG, () -> "ignored a '" + v.envelope().type() + "' message from " + v.sender());
        }
    }

    @Override
    public void rolesChanged(MeshRoles.Roster roster) {
        if (roster.retiredAt(self).isPresent() && !roster.admins().contains(self) && store.adminCertificate().isPresent()) {
            store.setAdmin(Optional.empty());
            LOG.log(System.Logger.Level.INFO, "the founder removed this node's admin role; it stays a member");
            events.accept(new NodeEvent("mesh.role", Instant.now(), Map.of("role", "member")));
            owner.refreshProfile();
        }
    }

    @Override
    public void revoked(String node) {
        if (memberships.ownStanding(owner.revocations().withdrawn()) == Memberships.Standing.CUT_OFF) {
            owner.readmit();
        }
    }

    @Override
    public void stateChanged(String member, MemberState state) {
        KnownMember k = known.get(member);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("member", member); // not "nodeId": every event's nodeId names the node that publishes it
        data.put("name", k == null ? "" : k.name());
        data.put("state", state.name().toLowerCase(Locale.ROOT));
        events.accept(new NodeEvent("mesh.member", Instant.now(), data));
        owner.changed();
        if (state == MemberState.DEAD || state == MemberState.LEFT) {
            calls.lost(member);
        }
    }
}
