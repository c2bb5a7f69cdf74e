package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Signed revocations: "node X is no longer a member", signed by the mesh key or by an admin
 * (whose admin certificate, and the roster of roles it knows, travel with it), kept in
 * {@code mesh/revocations.json} and — with the mesh transport — gossiped. A node accepts a
 * revocation only if its signature checks against the pinned mesh root and, when an admin signed
 * it, the newest roster it knows ({@link MeshRoles}) shows that the target is neither the founder
 * nor an admin and that the signer was not retired when it signed. Holds the roster too: together
 * they are what the mesh has taken back ({@link #withdrawn()}). Thread-safe.
 *
 * @see MeshCertificates#verify for how revoked nodes are then refused
 */
public final class Revocations {

    /** Format of {@code revocations.json}. */
    public static final int FORMAT = 1;

    /**
     * One revocation.
     *
     * @param node the revoked node id
     * @param at when (ISO-8601)
     * @param by the signer: {@code mesh} or an admin's node id
     * @param signerCert the admin certificate (base64 DER), or "" when the mesh key signed
     * @param signature base64 Ed25519 signature over {@code revoke|meshId|node|at}
     * @param roles the roster the admin knew when it signed (JSON), or "" when the mesh key signed
     */
    public record Revocation(String node, String at, String by, String signerCert, String signature, String roles) {
        /** Normalises a missing roster (revocations stored before rosters existed). */
        public Revocation {
            roles = roles == null ? "" : roles;
        }
    }

    private final Path file;
    private final Map<String, Revocation> entries = new LinkedHashMap<>();
    private final MeshRoles roles;

    /**
     * @param meshDir the node's {@code mesh/} folder
     */
    public Revocations(Path meshDir) {
        this.file = meshDir.resolve("revocations.json");
        this.roles = new MeshRoles(meshDir);
        if (Files.exists(file)) {
            try {
                for (JsonNode r : FileFormat.read(file, FORMAT).path("revocations")) {
                    Revocation rev = Json.MAPPER.treeToValue(r, Revocation.class);
                    entries.put(rev.node(), rev);
                }
            } catch (IOException | IllegalArgumentException e) {
                throw new AtmosphereException(file + " is unreadable: " + e.getMessage(), e);
            }
        }
    }

    private static byte[] statement(String meshId, String node, String at) {
        return ("revoke|" + meshId + "|" + node + "|" + at).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Signs a revocation with the mesh key (founder).
     *
     * @param root the mesh root
     * @param meshKey the mesh private key
     * @param node the node to revoke
     * @return the revocation, already stored
     */
    public synchronized Revocation revokeAsFounder(X509Certificate root, PrivateKey meshKey, String node) {
        Revocation r = signAsFounder(root, meshKey, node);
        accept(r, root);
        return r;
    }

    /**
     * Signs a revocation with the mesh key without storing it (to tell the members it cuts off first).
     *
     * @param root the mesh root
     * @param meshKey the mesh private key
     * @param node the node to revoke
     * @return the revocation
     */
    public static Revocation signAsFounder(X509Certificate root, PrivateKey meshKey, String node) {
        String at = Instant.now().toString();
        return new Revocation(node, at, "mesh", "", sign(meshKey, statement(MeshCertificates.meshIdOf(root), node, at)), "");
    }

    /**
     * Signs a revocation as an admin.
     *
     * @param root the mesh root
     * @param admin the admin's certificate
     * @param adminIdentity the admin node
     * @param node the node to revoke
     * @return the revocation, already stored
     */
    public synchronized Revocation revokeAsAdmin(X509Certificate root, X509Certificate admin, Identity adminIdentity, String node) {
        Revocation r = signAsAdmin(root, admin, adminIdentity, node);
        accept(r, root);
        return r;
    }

    /**
     * Signs a revocation as an admin without storing it; the roster this node holds travels with it.
     *
     * @param root the mesh root
     * @param admin the admin's certificate
     * @param adminIdentity the admin node
     * @param node the node to revoke
     * @return the revocation
     */
    public Revocation signAsAdmin(X509Certificate root, X509Certificate admin, Identity adminIdentity, String node) {
        String at = Instant.now().toString();
        try {
            return new Revocation(node, at, adminIdentity.nodeId(), Base64.getEncoder().encodeToString(admin.getEncoded()),
                    Base64.getEncoder().encodeToString(adminIdentity.sign(statement(MeshCertificates.meshIdOf(root), node, at))),
                    roles.current().map(Json::write).orElse(""));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks a revocation against what this node knows, without storing it.
     *
     * @param r the revocation
     * @param root the mesh root
     * @throws MeshSecurityException why it would be refused
     */
    public synchronized void check(Revocation r, X509Certificate root) {
        check(r, root, withdrawn(), roles.current());
    }

    /**
     * Checks a revocation (from this node or from gossip) and stores it.
     *
     * @param r the revocation
     * @param root the pinned mesh root
     * @throws MeshSecurityException FORGED or NOT_AUTHORIZED when its signer may not revoke
     */
    public synchronized void accept(Revocation r, X509Certificate root) {
        attached(r, root).ifPresent(a -> takeRoles(a, root));
        check(r, root, withdrawn(), roles.current());
        entries.putIfAbsent(r.node(), r);
        save();
    }

    /**
     * Checks a revocation without storing it, knowing no roster but the one it carries.
     *
     * @param r the revocation
     * @param root the mesh root
     * @param revoked node ids already revoked (an admin revoked since cannot sign)
     * @throws MeshSecurityException FORGED or NOT_AUTHORIZED when its signer may not revoke
     */
    public static void check(Revocation r, X509Certificate root, Set<String> revoked) {
        check(r, root, new MeshCertificates.Withdrawn(revoked, Map.of()), Optional.empty());
    }

    /**
     * Checks a revocation without storing it.
     *
     * @param r the revocation
     * @param root the mesh root
     * @param withdrawn what the checking node knows the mesh took back
     * @param known the newest roster the checking node holds, if any (the one attached is used when newer)
     * @throws MeshSecurityException FORGED or NOT_AUTHORIZED when its signer may not revoke that node
     */
    public static void check(Revocation r, X509Certificate root, MeshCertificates.Withdrawn withdrawn, Optional<MeshRoles.Roster> known) {
        try {
            checked(r, root, withdrawn, known);
        } catch (MeshSecurityException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "an unreadable revocation: " + e.getMessage());
        }
    }

    private static void checked(Revocation r, X509Certificate root, MeshCertificates.Withdrawn withdrawn, Optional<MeshRoles.Roster> known) {
        PublicKey signer;
        if (r.node() == null || r.at() == null || r.by() == null || r.signature() == null || r.signerCert() == null) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a revocation with a missing field");
        }
        if (r.by().equals("mesh")) {
            signer = root.getPublicKey();
        } else {
            X509Certificate admin;
            try {
                admin = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(r.signerCert())));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "unreadable signer certificate in a revocation");
            }
            if (admin.getBasicConstraints() < 0) {
                throw new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED, "only the founder or an admin can revoke");
            }
            MeshCertificates.verify(List.of(admin), root, withdrawn, Instant.now());
            if (!MeshCertificates.nodeIdOf(admin).equals(r.by())) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "a revocation whose signer is not the admin it names");
            }
            // the roster decides what an admin may revoke; an admin's revocation carries the one it knew
            MeshRoles.Roster roster = MeshRoles.newer(known, attached(r, root)).orElseThrow(() -> new MeshSecurityException(
                    MeshSecurityException.Reason.NOT_AUTHORIZED, "an admin's revocation without the mesh's roster of roles"));
            if (roster.isProtected(r.node())) {
                throw new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED, "only the mesh key can revoke the founder or an admin; "
                        + r.node() + " is " + (r.node().equals(roster.founder()) ? "the founder" : "an admin"));
            }
            Optional<Instant> retired = roster.retiredAt(r.by());
            Instant at;
            try {
                at = Instant.parse(r.at());
            } catch (DateTimeParseException e) {
                throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a revocation with a malformed time");
            }
            if (retired.isPresent() && at.isAfter(retired.get())) {
                throw new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED, "admin " + r.by()
                        + " signed the revocation of " + r.node() + " after its admin role was removed");
            }
            signer = admin.getPublicKey();
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(signer);
            s.update(statement(MeshCertificates.meshIdOf(root), r.node(), r.at()));
            if (!s.verify(Base64.getDecoder().decode(r.signature()))) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "a revocation of " + r.node() + " with a bad signature");
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "a revocation of " + r.node() + " does not verify");
        }
    }

    /** The roster attached to an admin's revocation, if it carries one that verifies. */
    private static Optional<MeshRoles.Roster> attached(Revocation r, X509Certificate root) {
        if (r.roles().isEmpty()) {
            return Optional.empty();
        }
        try {
            MeshRoles.Roster roster = Json.MAPPER.readValue(r.roles(), MeshRoles.Roster.class);
            MeshRoles.verify(roster, root);
            return Optional.of(roster);
        } catch (IOException | MeshSecurityException | IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "a revocation carrying a roster that does not verify");
        }
    }

    /** @return the mesh's roster of roles as this node knows it */
    public MeshRoles roles() {
        return roles;
    }

    /** @return what the mesh has taken back: the revoked nodes and the retired admins */
    public synchronized MeshCertificates.Withdrawn withdrawn() {
        return new MeshCertificates.Withdrawn(entries.keySet(), roles.current().map(MeshRoles.Roster::retiredAdmins).orElse(Map.of()));
    }

    /**
     * Takes a newer roster and drops the admins' revocations it shows were never theirs to make
     * (of the founder or of an admin: possible only while a node's roster lagged).
     *
     * @param roster a roster from a member
     * @param root the mesh root
     * @return the nodes no longer revoked
     * @throws MeshSecurityException if the roster does not verify
     */
    public synchronized List<String> takeRoles(MeshRoles.Roster roster, X509Certificate root) {
        if (!roles.offer(roster, root)) {
            return List.of();
        }
        List<String> pardoned = entries.values().stream()
                .filter(r -> !r.by().equals("mesh") && roster.isProtected(r.node())).map(Revocation::node).toList();
        if (!pardoned.isEmpty()) {
            pardoned.forEach(entries::remove);
            save();
        }
        return pardoned;
    }

    /** @return every revocation, as stored */
    public synchronized List<Revocation> all() {
        return List.copyOf(entries.values());
    }

    /** @return the revoked node ids */
    public synchronized Set<String> revoked() {
        return new TreeSet<>(entries.keySet());
    }

    private static String sign(PrivateKey key, byte[] data) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(data);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void save() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode list = root.putArray("revocations");
        entries.values().forEach(r -> list.add(Json.MAPPER.valueToTree(r)));
        try {
            AtomicFiles.writeString(file, Json.pretty(root) + "\n", AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
