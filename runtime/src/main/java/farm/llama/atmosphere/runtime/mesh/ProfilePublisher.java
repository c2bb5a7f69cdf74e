package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.api.CostReport;
import farm.llama.atmosphere.runtime.api.MeasuredLink;
import farm.llama.atmosphere.runtime.api.MemberCost;
import farm.llama.atmosphere.runtime.api.SharedCapability;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * This node's profile as the members see it: name, endpoint, role (with its proof), coarse cost
 * factors, the capabilities the sharing policy offers and the links it measures to other members. A
 * new version is published when any of it changes — cost factors and round trips at most every
 * {@link #COST_REPUBLISH}, as they move all the time.
 */
final class ProfilePublisher {

    private static final System.Logger LOG = System.getLogger(ProfilePublisher.class.getName());
    /** Cost factors change all the time; the mesh hears of a change at most this often. */
    private static final Duration COST_REPUBLISH = Duration.ofSeconds(10);

    private final Identity identity;
    private final String nodeName;
    private final MeshStore store;
    private final Supplier<List<Capability>> localCapabilities;
    private final Supplier<CostReport> localCost;
    private final Supplier<List<MeasuredLink>> localLinks;
    private final Supplier<String> endpoint;
    private final Clock clock;
    private volatile String json = "";
    private volatile String digest = "";
    private volatile long version;
    private volatile String costDigest = "";
    private volatile long costPublishedAt;

    /**
     * @param identity this node
     * @param nodeName its name
     * @param store its mesh files (role, proofs)
     * @param localCapabilities this node's capabilities
     * @param localCost its cost factors (published coarsened)
     * @param localLinks the links it measures to other members (published coarsened)
     * @param endpoint where it listens
     * @param clock the clock
     */
    ProfilePublisher(Identity identity, String nodeName, MeshStore store, Supplier<List<Capability>> localCapabilities,
                     Supplier<CostReport> localCost, Supplier<List<MeasuredLink>> localLinks, Supplier<String> endpoint, Clock clock) {
        this.identity = identity;
        this.nodeName = nodeName;
        this.store = store;
        this.localCapabilities = localCapabilities;
        this.localCost = localCost;
        this.localLinks = localLinks;
        this.endpoint = endpoint;
        this.clock = clock;
    }

    /** @return the profile last published, as JSON ("" before the first) */
    String json() {
        return json;
    }

    /**
     * Publishes a new version if anything changed.
     *
     * @param rt the running mesh
     * @param policy what this node offers, if a policy is set
     */
    synchronized void refresh(MeshRuntime rt, SharingPolicy policy) {
        List<SharedCapability> caps = new ArrayList<>();
        for (Capability c : localCapabilities.get()) {
            if (policy != null && c.models().stream().noneMatch(policy::offers) && !policy.offers(c.name())) {
                continue; // not offered to the mesh
            }
            // a tool's JSON schema travels for agents on other members; its permissions so the asking node checks them before it asks
            caps.add(new SharedCapability(c.id(), c.metadata().getOrDefault("backend", ""), c.type(), c.name(), c.description(), c.models(),
                    c.tags(), Optional.ofNullable(c.metadata().get("sizeBytes")), Optional.ofNullable(c.metadata().get("parameters")),
                    Optional.ofNullable(c.metadata().get("permissions")), Optional.ofNullable(c.metadata().get(Capability.CONTINUES))));
        }
        String role = role();
        String body = Json.write(caps);
        String digestNow = sha256(nodeName + "\n" + role + "\n" + body);
        MemberCost cost = MemberCost.coarse(localCost.get());
        List<MeasuredLink> links = localLinks.get().stream()
                .map(l -> new MeasuredLink(l.nodeId(), l.transport(), MeasuredLink.coarse(l.rttMs())))
                .sorted(java.util.Comparator.comparing(MeasuredLink::nodeId)).toList();
        String costNow = sha256(Json.write(cost) + Json.write(links));
        long now = clock.millis();
        boolean costMoved = !costNow.equals(costDigest) && now - costPublishedAt >= COST_REPUBLISH.toMillis();
        if (digestNow.equals(digest) && !costMoved) {
            return;
        }
        long next = Math.max(version + 1, now);
        Optional<String> proof = Optional.empty();
        try {
            proof = RoleProofs.proof(role, store.info().map(MeshStore.MeshInfo::meshId).orElse(""), identity.nodeId(),
                    store.meshKey(), store.adminCertificate());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "cannot prove this node's role " + role + " to the mesh: " + e.getMessage());
        }
        json = Json.write(new MemberProfile(identity.nodeId(), nodeName, endpoint.get(), next, role, proof, cost, caps, links));
        digest = digestNow;
        costDigest = costNow;
        costPublishedAt = now;
        version = next;
        rt.publishCapabilities(next);
    }

    /** @return this node's role in its mesh ({@code founder}, {@code admin}, {@code member}), "" when unreadable */
    String role() {
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
}
