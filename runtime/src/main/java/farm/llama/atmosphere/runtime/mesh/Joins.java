package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
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
import java.util.Optional;
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
     * @param intermediate the admin certificate that signed it, DER base64, or "" when the mesh key did
     */
    public record Grant(String meshId, String meshName, String root, String member, String intermediate) {
        /** Normalises a missing intermediate to "". */
        public Grant {
            intermediate = intermediate == null ? "" : intermediate;
        }
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
     * On the joiner, for a join by address alone (no invite): signs a request for the mesh the
     * member at that address belongs to. Such a request always waits for the owner's approval.
     *
     * @param joiner this node
     * @param meshId the mesh id the member's TLS certificate shows
     * @param now the time
     * @return the request
     */
    public static Request requestWithoutInvite(Identity joiner, String meshId, Instant now) {
        String at = now.toString();
        String proof = Base64.getEncoder().encodeToString(joiner.sign(statement(meshId, "", joiner.nodeId(), at)));
        return new Request("", joiner.nodeId(), joiner.name(), joiner.publicKeyBase64(), at, proof);
    }

    /**
     * A request whose proofs hold.
     *
     * @param request the request
     * @param invite the invite it carries, or null for a join by address
     * @param key the joiner's public key
     */
    public record Checked(Request request, Invites.Token invite, PublicKey key) {
    }

    /**
     * On the issuer: checks a request without spending anything — the invite (if any) is this
     * node's, for this mesh and unexpired; the node id belongs to the key; the proof verifies; the
     * request is recent; the joiner is not revoked.
     *
     * @param r the request
     * @param issuer this node
     * @param store this node's mesh
     * @param revoked the revoked node ids
     * @param now the time
     * @return the checked request
     * @throws MeshSecurityException why the request is refused
     */
    public static Checked check(Request r, Identity issuer, MeshStore store, Set<String> revoked, Instant now) {
        MeshStore.MeshInfo mesh = store.info().orElseThrow(() ->
                new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH, "this node belongs to no mesh"));
        Invites.Token t = null;
        if (r.token() != null && !r.token().isBlank()) {
            t = Invites.verify(r.token(), now);
            if (!t.meshId().equals(mesh.meshId())) {
                throw new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH, "the invite is for mesh " + t.meshId());
            }
            if (!t.issuer().equals(issuer.nodeId())) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the invite was issued by " + t.issuer() + ", not this node");
            }
        }
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
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a corrupt proof");
        }
        if (!Identity.verify(key, statement(mesh.meshId(), t == null ? "" : t.id(), r.nodeId(), r.at()), proof)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the joiner did not prove it holds its key");
        }
        if (revoked.contains(r.nodeId())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.REVOKED, "node " + r.nodeId() + " was revoked from this mesh");
        }
        return new Checked(r, t, key);
    }

    /**
     * On the issuer: signs the membership certificate of a checked joiner (the founder signs with
     * the mesh key).
     *
     * @param c the checked request
     * @param store this node's mesh
     * @return the grant
     * @throws MeshSecurityException if this node cannot admit
     */
    public static Grant grant(Checked c, MeshStore store) {
        return grant(c, store, null);
    }

    /**
     * On the issuer: signs the membership certificate of a checked joiner — the founder with the
     * mesh key, an admin with its node key under its admin certificate.
     *
     * @param c the checked request
     * @param store this node's mesh
     * @param issuer this node (needed when it is an admin)
     * @return the grant
     * @throws MeshSecurityException if this node can admit no one
     */
    public static Grant grant(Checked c, MeshStore store, Identity issuer) {
        MeshStore.MeshInfo mesh = store.info().orElseThrow(() ->
                new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH, "this node belongs to no mesh"));
        X509Certificate root = store.root();
        X509Certificate member;
        String intermediate = "";
        try {
            Optional<PrivateKey> meshKey = store.meshKey();
            Optional<X509Certificate> admin = store.adminCertificate();
            if (meshKey.isPresent()) {
                member = MeshCertificates.member(root, meshKey.get(), c.key(), MeshStore.MEMBERSHIP);
            } else if (admin.isPresent() && issuer != null) {
                member = MeshCertificates.member(admin.get(), issuer.privateKey(), c.key(), MeshStore.MEMBERSHIP);
                intermediate = Base64.getEncoder().encodeToString(admin.get().getEncoded());
            } else {
                throw new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED,
                        "only the founder or an admin can admit members");
            }
            return new Grant(mesh.meshId(), mesh.name(), Base64.getEncoder().encodeToString(root.getEncoded()),
                    Base64.getEncoder().encodeToString(member.getEncoded()), intermediate);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * On the issuer (the founder): admits a joiner with an invite at once — checks, spends a use, grants.
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
        Checked c = check(r, issuer, store, revoked, now);
        if (c.invite() == null) {
            throw new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED, "a join without an invite waits for approval");
        }
        if (store.meshKey().isEmpty() && store.adminCertificate().isEmpty()) {
            throw new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED, "only the founder or an admin can admit members");
        }
        invites.redeem(c.invite().id(), now);
        return grant(c, store, issuer);
    }

    /**
     * @param g a grant
     * @return its mesh root
     * @throws MeshSecurityException if it is corrupt or not self-signed by a key hashing to the grant's mesh id
     */
    public static X509Certificate rootOf(Grant g) {
        try {
            X509Certificate root = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(g.root())));
            root.verify(root.getPublicKey());
            if (!MeshCertificates.meshId(root.getPublicKey()).equals(g.meshId())) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the grant's root does not hash to its mesh id");
            }
            return root;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a corrupt grant: " + e.getMessage());
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
        return accept(g, t.root(), t.meshName(), joiner, store, now);
    }

    /**
     * On the joiner: checks a grant against a root (pinned by an invite, or shown by the member's
     * TLS certificate at first contact) and stores the membership.
     *
     * @param g the grant
     * @param pinned the root the grant must carry
     * @param meshName the mesh's name
     * @param joiner this node
     * @param store this node's mesh store
     * @param now the time
     * @return the mesh joined
     * @throws MeshSecurityException if the grant does not chain to the root or is not for this node
     */
    public static MeshStore.MeshInfo accept(Grant g, X509Certificate pinned, String meshName, Identity joiner, MeshStore store, Instant now) {
        X509Certificate root;
        X509Certificate member;
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            root = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(g.root())));
            member = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(g.member())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a corrupt grant: " + e.getMessage());
        }
        Optional<X509Certificate> intermediate = Optional.empty();
        if (!g.intermediate().isEmpty()) {
            try {
                intermediate = Optional.of((X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(g.intermediate()))));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a corrupt grant: " + e.getMessage());
            }
        }
        if (!root.equals(pinned)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH, "the grant's root is not the one the invite pinned");
        }
        List<X509Certificate> chain = intermediate.isPresent() ? List.of(member, intermediate.get()) : List.of(member);
        String nodeId = MeshCertificates.verify(chain, root, Set.of(), now);
        if (!nodeId.equals(joiner.nodeId())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the grant is for node " + nodeId + ", not this node");
        }
        return store.adopt(root, member, intermediate, meshName);
    }
}
