package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Who holds a role in the mesh, as the mesh key says: the founder, the admins, and the admins
 * whose role was taken back (retired, with when). The founder signs a new version of this roster
 * whenever it grants or removes the admin role; members keep the newest version whose signature
 * checks against the pinned mesh root ({@code mesh/roles.json}) and pass it on. It decides what
 * an admin's signature is worth: an admin cannot revoke the founder or an admin, and a retired
 * admin's signatures made after its retirement are refused. Thread-safe.
 */
public final class MeshRoles {

    /** Format of {@code roles.json}. */
    public static final int FORMAT = 1;

    /** Admins' signatures may claim a time this far before a retirement and still count (member certificates are back-dated by this much). */
    static final Duration SIGNING_SKEW = Duration.ofMinutes(5);

    /**
     * An admin whose role the founder took back.
     *
     * @param node the node id
     * @param at when (ISO-8601): what it signed before stays valid, what it signs after does not
     */
    public record Retired(String node, String at) {
    }

    /**
     * One signed version of the roster.
     *
     * @param meshId the mesh
     * @param version grows by one with every change
     * @param founder the founder's node id
     * @param admins the admins' node ids, sorted
     * @param retired removed admins, sorted by node id
     * @param signature base64 Ed25519 signature of the mesh key over {@link #statement()}
     */
    public record Roster(String meshId, long version, String founder, List<String> admins, List<Retired> retired, String signature) {
        /** Normalises missing lists. */
        public Roster {
            admins = admins == null ? List.of() : List.copyOf(admins);
            retired = retired == null ? List.of() : List.copyOf(retired);
            signature = signature == null ? "" : signature;
        }

        /** @return the bytes the mesh key signs */
        byte[] statement() {
            return ("atmosphere-roles-v1|" + meshId + "|" + version + "|" + founder + "|" + String.join(",", admins) + "|"
                    + retired.stream().map(r -> r.node() + "@" + r.at()).collect(Collectors.joining(","))).getBytes(StandardCharsets.UTF_8);
        }

        /**
         * @param node a node id
         * @return whether only the mesh key may revoke it (the founder or an admin)
         */
        public boolean isProtected(String node) {
            return node.equals(founder) || admins.contains(node);
        }

        /**
         * @param node a node id
         * @return when its admin role was taken back, if it was
         */
        public Optional<Instant> retiredAt(String node) {
            return retired.stream().filter(r -> r.node().equals(node)).findFirst().map(r -> Instant.parse(r.at()));
        }

        /** @return every retired admin and when */
        public Map<String, Instant> retiredAdmins() {
            Map<String, Instant> out = new LinkedHashMap<>();
            retired.forEach(r -> out.put(r.node(), Instant.parse(r.at())));
            return out;
        }
    }

    private final Path file;
    private Roster current;

    /**
     * @param meshDir the node's {@code mesh/} folder
     */
    public MeshRoles(Path meshDir) {
        this.file = meshDir.resolve("roles.json");
        if (Files.exists(file)) {
            try {
                current = Json.MAPPER.treeToValue(FileFormat.read(file, FORMAT).path("roster"), Roster.class);
            } catch (IOException | IllegalArgumentException e) {
                throw new AtmosphereException(file + " is unreadable (" + e.getMessage() + "). Delete it: members pass the roster on again.", e);
            }
        }
    }

    /** @return the newest roster this node holds, if any */
    public synchronized Optional<Roster> current() {
        return Optional.ofNullable(current);
    }

    /**
     * Checks a roster's signature and shape.
     *
     * @param r the roster
     * @param root the pinned mesh root
     * @throws MeshSecurityException FORGED, WRONG_MESH or MALFORMED
     */
    public static void verify(Roster r, X509Certificate root) {
        String meshId = MeshCertificates.meshIdOf(root);
        if (r.meshId() == null || !r.meshId().equals(meshId)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH, "a roster of mesh " + r.meshId() + ", this is mesh " + meshId);
        }
        if (r.founder() == null || !Identity.isNodeId(r.founder()) || r.version() < 1
                || !r.admins().stream().allMatch(Identity::isNodeId)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a roster with a malformed node id or version");
        }
        try {
            for (Retired x : r.retired()) {
                if (x == null || !Identity.isNodeId(x.node())) {
                    throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a roster with a malformed retirement");
                }
                Instant.parse(x.at());
            }
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(root.getPublicKey());
            s.update(r.statement());
            if (!s.verify(Base64.getDecoder().decode(r.signature()))) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "a roster the mesh key did not sign");
            }
        } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException | DateTimeParseException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "a roster that does not verify");
        }
    }

    /**
     * Takes a roster from a member (or attached to an admin's revocation) if it verifies and is newer.
     *
     * @param r the roster
     * @param root the pinned mesh root
     * @return whether this node's roster changed
     * @throws MeshSecurityException if it does not verify
     */
    public synchronized boolean offer(Roster r, X509Certificate root) {
        verify(r, root);
        if (current != null && current.version() >= r.version()) {
            return false;
        }
        current = r;
        save();
        return true;
    }

    /**
     * @param known the roster a node holds, if any
     * @param offered another roster (verified), if any
     * @return the newer of the two
     */
    static Optional<Roster> newer(Optional<Roster> known, Optional<Roster> offered) {
        if (known.isEmpty()) {
            return offered;
        }
        if (offered.isEmpty()) {
            return known;
        }
        return offered.get().version() > known.get().version() ? offered : known;
    }

    /**
     * On the founder: the first roster (only the founder), unless one exists.
     *
     * @param root the mesh root
     * @param meshKey the mesh key
     * @param founder the founder's node id
     * @return the roster in effect
     */
    public synchronized Roster found(X509Certificate root, PrivateKey meshKey, String founder) {
        if (current == null) {
            publish(new Roster(MeshCertificates.meshIdOf(root), 1, founder, List.of(), List.of(), ""), meshKey);
        }
        return current;
    }

    /**
     * On the founder: a node becomes an admin (and is no longer retired).
     *
     * @param root the mesh root
     * @param meshKey the mesh key
     * @param founder the founder's node id
     * @param node the new admin
     * @return the new roster (or the current one if nothing changes)
     */
    public synchronized Roster grant(X509Certificate root, PrivateKey meshKey, String founder, String node) {
        Roster r = found(root, meshKey, founder);
        if (r.admins().contains(node) && r.retiredAt(node).isEmpty()) {
            return r;
        }
        TreeSet<String> admins = new TreeSet<>(r.admins());
        admins.add(node);
        List<Retired> retired = new ArrayList<>(r.retired());
        retired.removeIf(x -> x.node().equals(node));
        return publish(new Roster(r.meshId(), r.version() + 1, r.founder(), List.copyOf(admins), retired, ""), meshKey);
    }

    /**
     * On the founder: an admin's role is taken back from now on; what it signed before stays valid.
     *
     * @param root the mesh root
     * @param meshKey the mesh key
     * @param founder the founder's node id
     * @param node the admin
     * @param at the moment of retirement
     * @return the new roster
     */
    public synchronized Roster retire(X509Certificate root, PrivateKey meshKey, String founder, String node, Instant at) {
        Roster r = found(root, meshKey, founder);
        TreeSet<String> admins = new TreeSet<>(r.admins());
        admins.remove(node);
        List<Retired> retired = new ArrayList<>(r.retired());
        retired.removeIf(x -> x.node().equals(node));
        retired.add(new Retired(node, at.toString()));
        retired.sort(Comparator.comparing(Retired::node));
        return publish(new Roster(r.meshId(), r.version() + 1, r.founder(), List.copyOf(admins), retired, ""), meshKey);
    }

    /**
     * On the founder: a revoked node holds no role any more.
     *
     * @param root the mesh root
     * @param meshKey the mesh key
     * @param founder the founder's node id
     * @param node the revoked node
     * @return the new roster (or the current one if the node held no role)
     */
    public synchronized Roster drop(X509Certificate root, PrivateKey meshKey, String founder, String node) {
        Roster r = found(root, meshKey, founder);
        if (!r.admins().contains(node)) {
            return r;
        }
        List<String> admins = new ArrayList<>(r.admins());
        admins.remove(node);
        return publish(new Roster(r.meshId(), r.version() + 1, r.founder(), admins, r.retired(), ""), meshKey);
    }

    private Roster publish(Roster unsigned, PrivateKey meshKey) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(meshKey);
            s.update(unsigned.statement());
            current = new Roster(unsigned.meshId(), unsigned.version(), unsigned.founder(), unsigned.admins(), unsigned.retired(),
                    Base64.getEncoder().encodeToString(s.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign the mesh's roster: " + e.getMessage(), e);
        }
        save();
        return current;
    }

    private void save() {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("format", FORMAT);
        doc.set("roster", Json.MAPPER.valueToTree(current));
        try {
            AtomicFiles.writeString(file, Json.pretty(doc) + "\n", AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
