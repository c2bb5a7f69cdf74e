package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.api.CostReport;
import farm.llama.atmosphere.runtime.api.MeasuredLink;
import farm.llama.atmosphere.runtime.api.MemberCost;
import farm.llama.atmosphere.runtime.api.MeshMember;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The members as {@code mesh members} shows them: this node first, then every member it knows by
 * name — state (live from the running mesh, else as last saved), proven role, address and transport
 * in use, last seen, round trip, published cost, capabilities, who admitted it and whether its
 * certificate still stands.
 */
final class MemberViews {

    private final Identity identity;
    private final String nodeName;
    private final MeshStore store;
    private final Memberships memberships;
    private final Map<String, KnownMember> known;
    private final Map<String, String> roles;
    private final ProfileLearner profiles;
    private final ProfilePublisher profile;
    private final Supplier<MeshRuntime> runtime;
    private final Supplier<Revocations> revocations;
    private final Supplier<Integer> capabilities;
    private final Supplier<CostReport> cost;
    private final Supplier<String> endpoint;
    private final Clock clock;

    /**
     * @param identity this node
     * @param nodeName its name
     * @param store its mesh files
     * @param memberships its standing
     * @param known the members as this node knows them
     * @param roles each member's proven role
     * @param profiles what members published (costs)
     * @param profile this node's own profile (role)
     * @param runtime the running mesh, or null
     * @param revocations the mesh's revocations, or null before the mesh ran
     * @param capabilities how many capabilities this node shares
     * @param cost this node's cost factors
     * @param endpoint this node's endpoint
     * @param clock the clock
     */
    MemberViews(Identity identity, String nodeName, MeshStore store, Memberships memberships, Map<String, KnownMember> known,
                Map<String, String> roles, ProfileLearner profiles, ProfilePublisher profile, Supplier<MeshRuntime> runtime,
                Supplier<Revocations> revocations, Supplier<Integer> capabilities, Supplier<CostReport> cost, Supplier<String> endpoint,
                Clock clock) {
        this.identity = identity;
        this.nodeName = nodeName;
        this.store = store;
        this.memberships = memberships;
        this.known = known;
        this.roles = roles;
        this.profiles = profiles;
        this.profile = profile;
        this.runtime = runtime;
        this.revocations = revocations;
        this.capabilities = capabilities;
        this.cost = cost;
        this.endpoint = endpoint;
        this.clock = clock;
    }

    /** @return every member this node knows, itself first */
    List<MeshMember> members() {
        MeshRuntime rt = runtime.get();
        Revocations rev = revocations.get();
        MeshCertificates.Withdrawn withdrawn = rev == null ? MeshCertificates.Withdrawn.NONE : rev.withdrawn();
        List<MeshMember> out = new ArrayList<>();
        out.add(self(rt, withdrawn));
        Map<String, MemberState> live = rt == null ? Map.of() : rt.members();
        List<KnownMember> others = new ArrayList<>(known.values());
        others.sort(Comparator.comparing(KnownMember::name).thenComparing(KnownMember::nodeId));
        for (KnownMember k : others) {
            if (k.nodeId().equals(identity.nodeId())) {
                continue;
            }
            MemberState s = live.get(k.nodeId());
            long heard = rt == null ? 0 : rt.lastHeard(k.nodeId());
            long seen = Math.max(heard, k.lastSeen());
            out.add(new MeshMember(k.nodeId(), k.name(), s == null ? k.state() : s.name().toLowerCase(Locale.ROOT),
                    roles.getOrDefault(k.nodeId(), ""), false,
                    rt != null && !rt.addressOf(k.nodeId()).isEmpty() ? rt.addressOf(k.nodeId()) : k.endpoint(),
                    rt == null ? "" : rt.transportOf(k.nodeId()), seen == 0 ? null : Instant.ofEpochMilli(seen).toString(),
                    k.capabilities().size(), rt == null || s == null ? Optional.empty() : Optional.of(Math.round(rt.roundTrip(k.nodeId()) * 100) / 100.0),
                    profiles.cost(k.nodeId()), Optional.of(k.capabilities()), k.admittedBy(),
                    Memberships.standing(k.admittedBy(), withdrawn).shown(),
                    rt == null ? Optional.empty() : rt.versionMismatch(k.nodeId()), profiles.links(k.nodeId())));
        }
        return out;
    }

    private MeshMember self(MeshRuntime rt, MeshCertificates.Withdrawn withdrawn) {
        String admittedBy = "";
        String certificate;
        try {
            List<X509Certificate> chain = store.chain();
            admittedBy = chain.size() < 2 ? "" : MeshCertificates.nodeIdOf(chain.get(1));
            certificate = memberships.ownStanding(withdrawn).shown();
        } catch (RuntimeException e) {
            certificate = "unreadable";
        }
        return new MeshMember(identity.nodeId(), nodeName, "alive", profile.role(), true, endpoint.get(),
                rt == null ? "" : String.join("+", rt.transportTypes()), Instant.ofEpochMilli(clock.millis()).toString(),
                capabilities.get(), Optional.empty(), Optional.of(MemberCost.coarse(cost.get())), Optional.empty(), admittedBy, certificate,
                Optional.empty(), rt == null ? Optional.empty() : Optional.of(measured(rt)));
    }

    /**
     * @param rt the running mesh
     * @return the links this node measures itself: every member alive whose probes answered, with the
     *         transport of the link in use and the smoothed round trip
     */
    static List<MeasuredLink> measured(MeshRuntime rt) {
        List<MeasuredLink> out = new ArrayList<>();
        rt.members().forEach((id, state) -> {
            double rtt = rt.roundTrip(id);
            String transport = rt.transportOf(id);
            if (state == MemberState.ALIVE && rtt >= 0 && !transport.isEmpty()) {
                out.add(new MeasuredLink(id, transport, Math.round(rtt * 100) / 100.0));
            }
        });
        out.sort(Comparator.comparing(MeasuredLink::nodeId));
        return out;
    }
}
