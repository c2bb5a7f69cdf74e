package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.Identity;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Signed revocations: "node X is no longer a member", signed by the mesh key or by an admin
 * (whose admin certificate travels with it), kept in {@code mesh/revocations.json} and — with the
 * mesh transport — gossiped. A node accepts a revocation only if its signature checks against the
 * pinned mesh root. Thread-safe.
 *
 * @see MeshCertificates#verify for how revoked nodes are then refused
 */
public final class Revocations {

    /**
     * One revocation.
     *
     * @param node the revoked node id
     * @param at when (ISO-8601)
     * @param by the signer: {@code mesh} or an admin's node id
     * @param signerCert the admin certificate (base64 DER), or "" when the mesh key signed
     * @param signature base64 Ed25519 signature over {@code revoke|meshId|node|at}
     */
    public record Revocation(String node, String at, String by, String signerCert, String signature) {
    }

    private final Path file;
    private final Map<String, Revocation> entries = new LinkedHashMap<>();

    /**
     * @param meshDir the node's {@code mesh/} folder
     */
    public Revocations(Path meshDir) {
        this.file = meshDir.resolve("revocations.json");
        if (Files.exists(file)) {
            try {
                for (JsonNode r : Json.parse(Files.readString(file)).path("revocations")) {
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
        String at = Instant.now().toString();
        Revocation r = new Revocation(node, at, "mesh", "", sign(meshKey, statement(MeshCertificates.meshIdOf(root), node, at)));
        accept(r, root);
        return r;
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
        String at = Instant.now().toString();
        try {
            Revocation r = new Revocation(node, at, adminIdentity.nodeId(), Base64.getEncoder().encodeToString(admin.getEncoded()),
                    Base64.getEncoder().encodeToString(adminIdentity.sign(statement(MeshCertificates.meshIdOf(root), node, at))));
            accept(r, root);
            return r;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks a revocation (from this node or from gossip) and stores it.
     *
     * @param r the revocation
     * @param root the pinned mesh root
     * @throws MeshSecurityException FORGED or NOT_AUTHORIZED when its signer may not revoke
     */
    public synchronized void accept(Revocation r, X509Certificate root) {
        check(r, root, revoked());
        entries.putIfAbsent(r.node(), r);
        save();
    }

    /**
     * Checks a revocation without storing it (a relay checks what members tell it).
     *
     * @param r the revocation
     * @param root the mesh root
     * @param revoked node ids already revoked (an admin revoked since cannot sign)
     * @throws MeshSecurityException FORGED or NOT_AUTHORIZED when its signer may not revoke
     */
    public static void check(Revocation r, X509Certificate root, Set<String> revoked) {
        PublicKey signer;
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
            MeshCertificates.verify(List.of(admin), root, revoked, Instant.now());
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
        root.put("format", 1);
        ArrayNode list = root.putArray("revocations");
        entries.values().forEach(r -> list.add(Json.MAPPER.valueToTree(r)));
        try {
            AtomicFiles.writeString(file, Json.pretty(root) + "\n", AtomicFiles.SHARED);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
