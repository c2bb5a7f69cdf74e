package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.MeasuredLink;
import farm.llama.atmosphere.runtime.api.MemberCost;
import farm.llama.atmosphere.runtime.api.SharedCapability;
import farm.llama.atmosphere.runtime.routing.CostModel;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.runtime.util.SafeText;
import farm.llama.atmosphere.spi.NodeEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What this node learns from the members' profiles: their names, capabilities and endpoints (into
 * the member list), the role each proves (a claim without proof is shown as what it proves, and
 * logged once per change), and their published cost factors (clamped to the range routing
 * accepts). A member speaks only for itself, and only a newer version counts. Thread-safe.
 */
final class ProfileLearner {

    private static final System.Logger LOG = System.getLogger(ProfileLearner.class.getName());
    /** The most links kept of one member's profile (a mesh of personal devices has far fewer members). */
    static final int MAX_LINKS = 256;

    private final MeshStore store;
    private final Supplier<Revocations> revocations;
    private final Map<String, KnownMember> known;
    private final Map<String, String> roles;
    private final Map<String, String> claimedRoles = new ConcurrentHashMap<>();
    private final Map<String, MemberCost> costs = new ConcurrentHashMap<>();
    private final Map<String, List<MeasuredLink>> links = new ConcurrentHashMap<>();
    private final Consumer<String> provenAdmin;
    private final Clock clock;
    private final Consumer<NodeEvent> events;
    private final Runnable changed;

    /**
     * @param store the mesh files (the pinned root)
     * @param revocations the mesh's revocations (a revoked or retired signer proves nothing)
     * @param known the member list, updated here
     * @param roles each member's proven role, updated here
     * @param provenAdmin told of every member that proved the admin role
     * @param clock the clock
     * @param events where {@code mesh.capabilities} goes
     * @param changed told when the member list changed (to be saved)
     */
    ProfileLearner(MeshStore store, Supplier<Revocations> revocations, Map<String, KnownMember> known, Map<String, String> roles,
                   Consumer<String> provenAdmin, Clock clock, Consumer<NodeEvent> events, Runnable changed) {
        this.store = store;
        this.revocations = revocations;
        this.known = known;
        this.roles = roles;
        this.provenAdmin = provenAdmin;
        this.clock = clock;
        this.events = events;
        this.changed = changed;
    }

    /**
     * @param nodeId a member
     * @return the cost factors it published, if it did
     */
    Optional<MemberCost> cost(String nodeId) {
        return Optional.ofNullable(costs.get(nodeId));
    }

    /**
     * @param nodeId a member
     * @return the links it published (measured by itself), if it did
     */
    Optional<List<MeasuredLink>> links(String nodeId) {
        return Optional.ofNullable(links.get(nodeId));
    }

    /** @return every member's published cost factors */
    Map<String, MemberCost> costs() {
        return costs;
    }

    /**
     * @param sender the member the verified envelope came from
     * @param payload its profile (JSON)
     */
    void learn(String sender, byte[] payload) {
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
                LOG.log(System.Logger.Level.DEBUG, () -> "skipped a malformed capability of " + sender + ": " + e.getMessage());
            }
        }
        String name = SafeText.name(p.path("name").asText(""));
        learnRole(sender, p);
        if (p.has("cost")) {
            costs.put(sender, publishedCost(sender, p.path("cost")));
        }
        if (p.has("links")) {
            links.put(sender, publishedLinks(sender, p.path("links")));
        }
        String endpoint = k != null && !k.endpoint().isEmpty() ? k.endpoint() : p.path("endpoint").asText("");
        known.put(sender, new KnownMember(sender, name, endpoint, k == null ? "alive" : k.state(),
                Math.max(clock.millis(), k == null ? 0 : k.lastSeen()), version, List.copyOf(caps), k == null ? "" : k.admittedBy()));
        changed.run();
        events.accept(new NodeEvent("mesh.capabilities", Instant.now(), Map.of("nodeId", sender, "name", name,
                "version", version, "capabilities", caps.size())));
    }

    private void learnRole(String sender, JsonNode p) {
        String claimed = p.path("role").asText("member");
        String role = claimed.equals("member") ? claimed
                : RoleProofs.proven(claimed, p.path("roleProof").asText(""), sender, store.root(), revocations.get().withdrawn(), clock.instant());
        if (role.equals("admin")) {
            provenAdmin.accept(sender);
        }
        if (!role.equals(claimed) && !claimed.equals(claimedRoles.get(sender))) {
            LOG.log(System.Logger.Level.WARNING, () -> "member " + sender + " says it is " + claimed + " without proof; shown as " + role);
        }
        claimedRoles.put(sender, claimed);
        roles.put(sender, role);
    }

    /** The links a member says it measures: at most {@link #MAX_LINKS}, each well-formed, never to itself; the rest dropped. */
    private static List<MeasuredLink> publishedLinks(String sender, JsonNode json) {
        List<MeasuredLink> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (JsonNode l : json) {
            String to = l.path("nodeId").asText("");
            String transport = l.path("transport").asText("");
            double rtt = l.path("rttMs").asDouble(-1);
            boolean ok = to.matches("[0-9a-f]{16}") && !to.equals(sender) && (transport.equals("websocket") || transport.equals("relay"))
                    && l.path("rttMs").isNumber() && rtt >= 0 && rtt <= 600_000 && seen.add(to);
            if (ok && out.size() < MAX_LINKS) {
                out.add(new MeasuredLink(to, transport, rtt));
            }
        }
        return List.copyOf(out);
    }

    private static MemberCost publishedCost(String sender, JsonNode json) {
        MemberCost cost;
        try {
            cost = Json.MAPPER.convertValue(json, MemberCost.class);
        } catch (IllegalArgumentException e) {
            cost = new MemberCost(false, 0, 0, 0, false, 1.0); // fields of the wrong type: shown as unknown, priced as neutral
        }
        double published = json.path("overall").isNumber() ? cost.overall() : 1.0;
        double clamped = CostModel.publishedNodeCost(published);
        if (clamped != published) {
            LOG.log(System.Logger.Level.INFO, () -> "member " + sender + " published a cost factor of " + published + "; taken as " + clamped);
        }
        return cost.withOverall(clamped);
    }
}
