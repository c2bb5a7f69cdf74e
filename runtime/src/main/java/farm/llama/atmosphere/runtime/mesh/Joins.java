package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.Identity;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Joining a mesh with an invite. The joiner proves it holds the key it asks a certificate for by
 * signing the request; the issuer checks the invite (its own, unexpired, not used up), the proof
 * and the revocations, then signs a membership certificate. The joiner accepts the grant only if
 * it chains to the root its invite pinned.
 */
public final class Joins {

    /** How far a request's time may be from the issuer's clock. */
    public static final Duration SKEW = Duration.ofMinutes(5);

    /**
     * A join request.
     *
     * @param token the invite token
     * @param nodeId the joiner's node id
     * @param name the joiner's display name
     * @param publicKey the joiner's raw Ed25519 public key, base64
     * @param at when it was made (ISO-8601)
     * @param proof the joiner's signature over the statement, base64
     */
    public record Request(String token, String nodeId, String name, String publicKey, String at, String proof) {
    }

    /**
     * What the issuer answers.
     *
     * @param meshId the mesh
     * @param meshName its name
     * @param root the mesh root, DER base64
     * @param member the joiner's membership certificate, DER base64
     */
    public record Grant(String meshId, String meshName, String root, String member) {
    }

    private Joins() {
    }

    private static byte[] statement(String meshId, String inviteId, String nodeId, String at) {
        return ("join|" + meshId + "|" + inviteId + "|" + nodeId + "|" + at).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * On the joiner: checks the invite and signs a request.
     *
     * @param joiner this node
     * @param token the invite token or link
     * @param now the time
     * @return the request to send to the issuer
     * @throws MeshSecurityException if the invite is forged, corrupt or expired
     */
    public static Request request(Identity joiner, String token, Instant now) {
        Invites.Token t = Invites.verify(token, now);
        String at = now.toString();
        String proof = Base64.getEncoder().encodeToString(joiner.sign(statement(t.meshId(), t.id(), joiner.nodeId(), at)));
        return new Request(token.trim(), joiner.nodeId(), joiner.name(), joiner.publicKeyBase64(), at, proof);
    }

    /**
     * On the issuer (the founder): admits a joiner.
     *
     * @param r the request
     * @param issuer this node
     * @param store this node's mesh
     * @param invites this node's invites (one use is spent)
     * @param revoked the revoked node ids
     * @param now the time
     * @return the grant
     * @throws MeshSecurityException why the request is refused
     */
    public static Grant admit(Request r, Identity issuer, MeshStore store, Invites invites, Set<String> revoked, Instant now) {
        Invites.Token t = Invites.verify(r.token(), now);
        MeshStore.MeshInfo mesh = store.info().orElseThrow(() ->
                new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH, "this node belongs to no mesh"));
        if (!t.meshId().equals(mesh.meshId())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH, "the invite is for mesh " + t.meshId());
        }
        if (!t.issuer().equals(issuer.nodeId())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the invite was issued by " + t.issuer() + ", not this node");
        }
        PrivateKey meshKey = store.meshKey().orElseThrow(() ->
                new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED, "only the founder can admit members for now"));
        PublicKey key;
        byte[] raw;
        Instant at;
        try {
            raw = Base64.getDecoder().decode(r.publicKey());
            key = Identity.publicKeyOf(raw);
            at = Instant.parse(r.at());
        } catch (RuntimeException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a corrupt join request: " + e.getMessage());
        }
        if (!Identity.nodeIdOf(raw).equals(r.nodeId())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the node id does not belong to the key");
        }
        if (Duration.between(at, now).abs().compareTo(SKEW) > 0) {
            throw new MeshSecurityException(MeshSecurityException.Reason.EXPIRED, "the request was made at " + at
                    + "; check the joiner's clock");
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(r.proof());
        } catch (IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a corrupt proof");
        }
        if (!Identity.verify(key, statement(t.meshId(), t.id(), r.nodeId(), r.at()), proof)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the joiner did not prove it holds its key");
        }
        if (revoked.contains(r.nodeId())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.REVOKED, "node " + r.nodeId() + " was revoked from this mesh");
        }
        invites.redeem(t.id(), now);
        X509Certificate root = store.root();
        X509Certificate member = MeshCertificates.member(root, meshKey, key, MeshStore.MEMBERSHIP);
        try {
            return new Grant(mesh.meshId(), mesh.name(), Base64.getEncoder().encodeToString(root.getEncoded()),
                    Base64.getEncoder().encodeToString(member.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * On the joiner: checks a grant against the root its invite pinned and stores the membership.
     *
     * @param g the grant
     * @param token the invite the request was made with
     * @param joiner this node
     * @param store this node's mesh store
     * @param now the time
     * @return the mesh joined
     * @throws MeshSecurityException if the grant does not chain to the pinned root or is not for this node
     */
    public static MeshStore.MeshInfo accept(Grant g, String token, Identity joiner, MeshStore store, Instant now) {
        Invites.Token t = Invites.verify(token, now.minus(SKEW)); // the invite may have expired in flight
        X509Certificate root;
        X509Certificate member;
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            root = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(g.root())));
            member = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(g.member())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a corrupt grant: " + e.getMessage());
        }
        if (!root.equals(t.root())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH, "the grant's root is not the one the invite pinned");
        }
        String nodeId = MeshCertificates.verify(List.of(member), root, Set.of(), now);
        if (!nodeId.equals(joiner.nodeId())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the grant is for node " + nodeId + ", not this node");
        }
        return store.adopt(root, member, t.meshName());
    }
}
