package farm.llama.atmosphere.runtime.relay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.mesh.MeshCertificates;
import farm.llama.atmosphere.runtime.mesh.MeshRoles;
import farm.llama.atmosphere.runtime.mesh.Revocations;
import farm.llama.atmosphere.runtime.util.Json;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The revocations the relay holds per mesh, as admitted members told them — each checked against
 * the mesh root (and, for an admin's, against the newest roster of roles the mesh's revocations
 * carried, so a stale roster attached later cannot unprotect an admin) — at most
 * {@link #MAX_PER_MESH} per mesh, and forgotten with the mesh's last member. Thread-safe.
 */
final class RelayRevocations {

    private static final System.Logger LOG = System.getLogger(RelayRevocations.class.getName());
    /** At most this many revocations are kept per mesh (a mesh key can sign any number). */
    static final int MAX_PER_MESH = 1024;

    private final Map<String, Set<String>> revoked = new ConcurrentHashMap<>();
    private final Map<String, MeshRoles.Roster> rosters = new ConcurrentHashMap<>();

    /**
     * @param meshId a mesh
     * @return the nodes revoked from it, as told here
     */
    Set<String> of(String meshId) {
        return revoked.getOrDefault(meshId, Set.of());
    }

    /**
     * Checks revocations a member passes on and takes those that verify.
     *
     * @param meshId the member's mesh
     * @param root its root
     * @param list the revocations (JSON array)
     * @return the nodes revoked now that were not before
     */
    List<String> learn(String meshId, X509Certificate root, JsonNode list) {
        List<String> fresh = new ArrayList<>();
        if (!list.isArray()) {
            return fresh;
        }
        for (JsonNode r : list) {
            if (of(meshId).size() >= MAX_PER_MESH) {
                LOG.log(System.Logger.Level.WARNING, () -> "mesh " + meshId + " told more than " + MAX_PER_MESH + " revocations; the rest are ignored");
                return fresh;
            }
            Revocations.Revocation rev;
            try {
                rev = Json.MAPPER.treeToValue(r, Revocations.Revocation.class);
                if (rev.node() == null || !rev.node().matches("[0-9a-f]{16}")) {
                    continue;
                }
                if (!rev.roles().isEmpty()) {
                    MeshRoles.Roster roster = Json.MAPPER.readValue(rev.roles(), MeshRoles.Roster.class);
                    MeshRoles.verify(roster, root);
                    rosters.merge(meshId, roster, (a, b) -> b.version() > a.version() ? b : a);
                }
                Revocations.check(rev, root, new MeshCertificates.Withdrawn(of(meshId), Map.of()), Optional.ofNullable(rosters.get(meshId)));
            } catch (RuntimeException | JsonProcessingException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "ignored a revocation that does not verify: " + e.getMessage());
                continue;
            }
            if (revoked.computeIfAbsent(meshId, k -> ConcurrentHashMap.newKeySet()).add(rev.node())) {
                fresh.add(rev.node());
            }
        }
        return fresh;
    }

    /** @param meshId a mesh whose last member left: its revocations and roster go */
    void forget(String meshId) {
        revoked.remove(meshId);
        rosters.remove(meshId);
    }

    /** @return revocations held, over every mesh */
    int held() {
        return revoked.values().stream().mapToInt(Set::size).sum();
    }
}
