package farm.llama.atmosphere.runtime.mesh;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A member's role as others show it: a profile says {@code founder} or {@code admin} only with a
 * proof — the founder's is a signature by the mesh key over its node id, an admin's is the admin
 * certificate the mesh key issued for its key. A role without a valid proof is shown as
 * {@code member}. Stateless.
 */
final class RoleProofs {

    private RoleProofs() {
    }

    private static byte[] founderBytes(String meshId, String nodeId) {
        return ("atmosphere-founder-v1|" + meshId + "|" + nodeId).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param role this node's role
     * @param meshId the mesh
     * @param nodeId this node
     * @param meshKey the mesh key, when this node holds it
     * @param admin this node's admin certificate, when it has one
     * @return the proof to publish with the role, if the role needs one
     */
    static Optional<String> proof(String role, String meshId, String nodeId, Optional<PrivateKey> meshKey, Optional<X509Certificate> admin) {
        try {
            if (role.equals("founder") && meshKey.isPresent()) {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(meshKey.get());
                s.update(founderBytes(meshId, nodeId));
                return Optional.of(Base64.getEncoder().encodeToString(s.sign()));
            }
            if (role.equals("admin") && admin.isPresent()) {
                return Optional.of(Base64.getEncoder().encodeToString(admin.get().getEncoded()));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot prove this node's role: " + e.getMessage(), e);
        }
        return Optional.empty();
    }

    /**
     * @param claimed the role a member's profile says
     * @param proof the proof it sent ({@link #proof}), or empty
     * @param sender the member (verified sender of the profile)
     * @param root the mesh root
     * @param withdrawn what the mesh took back: a revoked or retired admin is a member
     * @param now the time
     * @return the role the proof bears out: {@code founder}, {@code admin} or {@code member}
     */
    static String proven(String claimed, String proof, String sender, X509Certificate root, MeshCertificates.Withdrawn withdrawn, Instant now) {
        try {
            byte[] bytes = Base64.getDecoder().decode(proof);
            if (claimed.equals("founder")) {
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(root.getPublicKey());
                s.update(founderBytes(MeshCertificates.meshIdOf(root), sender));
                return s.verify(bytes) ? "founder" : "member";
            }
            if (claimed.equals("admin")) {
                X509Certificate cert = MeshCertificates.parse(bytes);
                String node = MeshCertificates.verify(List.of(cert), root, withdrawn, now);
                return node.equals(sender) && cert.getBasicConstraints() >= 0 && !withdrawn.retired().containsKey(sender) ? "admin" : "member";
            }
        } catch (GeneralSecurityException | IllegalArgumentException | MeshSecurityException e) {
            return "member";
        }
        return "member";
    }
}
