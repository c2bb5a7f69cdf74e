package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The mesh's certificates (X.509, Ed25519, built with BouncyCastle, checked with the JDK's PKIX
 * validator): the mesh root (the mesh key, self-signed, may certify admins), admin intermediates
 * (path length 0: they admit members, never other admins) and member certificates (a node's key
 * bound to its node id and the mesh id; usable for mutual TLS). Stateless and thread-safe.
 */
public final class MeshCertificates {

    private static final SecureRandom RANDOM = new SecureRandom();

    private MeshCertificates() {
    }

    /**
     * @param meshPublicKey the mesh public key (raw Ed25519)
     * @return the mesh id: first 16 hex characters of SHA-256 over the raw mesh public key
     */
    public static String meshId(PublicKey meshPublicKey) {
        return Identity.nodeIdOf(Identity.rawPublicKey(meshPublicKey));
    }

    private static X500Name name(String role, String id, String meshId) {
        return new X500Name("CN=" + role + ":" + id + ",O=mesh:" + meshId);
    }

    /**
     * @param meshPublic the mesh public key
     * @param meshPrivate the mesh private key
     * @param meshName the mesh's display name (not trusted; for people)
     * @return the self-signed mesh root, valid for ten years
     */
    public static X509Certificate root(PublicKey meshPublic, PrivateKey meshPrivate, String meshName) {
        String meshId = meshId(meshPublic);
        X500Name subject = name("mesh", meshId, meshId);
        return build(subject, meshPublic, subject, meshPrivate, meshPublic, Duration.ofDays(3650), new BasicConstraints(1),
                KeyUsage.keyCertSign | KeyUsage.cRLSign, false);
    }

    /**
     * The founder grants the admin role: an intermediate CA that may certify members only.
     *
     * @param root the mesh root
     * @param meshPrivate the mesh private key
     * @param adminKey the admin node's public key
     * @param validity how long the role lasts
     * @return the admin certificate
     */
    public static X509Certificate admin(X509Certificate root, PrivateKey meshPrivate, PublicKey adminKey, Duration validity) {
        String meshId = meshIdOf(root);
        String nodeId = Identity.nodeIdOf(Identity.rawPublicKey(adminKey));
        return build(name("admin", nodeId, meshId), adminKey, subjectOf(root), meshPrivate, root.getPublicKey(), validity,
                new BasicConstraints(0), KeyUsage.keyCertSign | KeyUsage.cRLSign, false);
    }

    /**
     * Admits a node: its key, bound to its node id and the mesh.
     *
     * @param issuer the mesh root or an admin certificate
     * @param issuerPrivate the issuer's private key
     * @param nodeKey the member's public key
     * @param validity how long membership lasts before renewal
     * @return the member certificate
     */
    public static X509Certificate member(X509Certificate issuer, PrivateKey issuerPrivate, PublicKey nodeKey, Duration validity) {
        if (issuer.getBasicConstraints() < 0) {
            throw new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED,
                    "only the mesh key or an admin can admit members; this certificate is a member's");
        }
        String meshId = meshIdOf(issuer);
        String nodeId = Identity.nodeIdOf(Identity.rawPublicKey(nodeKey));
        return build(name("node", nodeId, meshId), nodeKey, subjectOf(issuer), issuerPrivate, issuer.getPublicKey(), validity,
                null, KeyUsage.digitalSignature, true);
    }

    /**
     * @param der a certificate's DER bytes
     * @return the certificate
     * @throws MeshSecurityException (malformed) when the bytes are not a certificate
     */
    public static X509Certificate parse(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "an unreadable certificate");
        }
    }

    private static X500Name subjectOf(X509Certificate c) {
        return X500Name.getInstance(c.getSubjectX500Principal().getEncoded());
    }

    /**
     * @param cert any mesh certificate
     * @return the mesh id it names
     */
    public static String meshIdOf(X509Certificate cert) {
        String o = nameField(cert, BCStyle.O);
        return o.startsWith("mesh:") ? o.substring(5) : o;
    }

    /** One field of a certificate's subject; a subject without it, or not readable (not UTF-8), is refused as malformed. */
    private static String nameField(X509Certificate cert, ASN1ObjectIdentifier field) {
        try {
            return IETFUtils.valueToString(subjectOf(cert).getRDNs(field)[0].getFirst().getValue());
        } catch (RuntimeException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a certificate whose subject is unreadable");
        }
    }

    /**
     * @param cert a node or admin certificate
     * @return the node id it certifies
     */
    public static String nodeIdOf(X509Certificate cert) {
        String cn = nameField(cert, BCStyle.CN);
        return cn.substring(cn.indexOf(':') + 1);
    }

    private static X509Certificate build(X500Name subject, PublicKey subjectKey, X500Name issuer, PrivateKey issuerKey,
                                         PublicKey issuerPublic, Duration validity, BasicConstraints ca, int keyUsage,
                                         boolean tls) {
        try {
            Instant now = Instant.now();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, subjectKey);
            b.addExtension(Extension.basicConstraints, true, ca != null ? ca : new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerPublic));
            if (tls) {
                b.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth}));
            }
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("Ed25519").build(issuerKey)));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot build a mesh certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Checks a member's chain (leaf first, optionally followed by its admin certificate) against
     * the pinned mesh key.
     *
     * @param chain the certificates the peer presented
     * @param meshRoot the mesh root this node pinned
     * @param revoked node ids revoked in this mesh
     * @param now the time
     * @return the verified node id
     * @throws MeshSecurityException saying why the chain is refused
     */
    public static String verify(List<X509Certificate> chain, X509Certificate meshRoot, Set<String> revoked, Instant now) {
        return verify(chain, meshRoot, new Withdrawn(revoked, Map.of()), now);
    }

    /**
     * What a mesh has taken back, as a node knows it.
     *
     * @param revoked revoked node ids: none of their certificates, nor any certificate they signed, is valid
     * @param retired admins whose role was taken back, and when: certificates they signed after that are refused
     */
    public record Withdrawn(Set<String> revoked, Map<String, Instant> retired) {
        /** Nothing withdrawn. */
        public static final Withdrawn NONE = new Withdrawn(Set.of(), Map.of());

        /** Copies. */
        public Withdrawn {
            revoked = Set.copyOf(revoked);
            retired = Map.copyOf(retired);
        }
    }

    /**
     * Checks a member's chain (leaf first, optionally followed by its admin certificate) against
     * the pinned mesh key, the revocations and the admins' retirements: a certificate an admin
     * signed after the founder retired it is refused (its {@code notBefore} is back-dated five
     * minutes at signing).
     *
     * @param chain the certificates the peer presented
     * @param meshRoot the mesh root this node pinned
     * @param withdrawn what the mesh has taken back
     * @param now the time
     * @return the verified node id
     * @throws MeshSecurityException saying why the chain is refused
     */
    public static String verify(List<X509Certificate> chain, X509Certificate meshRoot, Withdrawn withdrawn, Instant now) {
        try {
            return checked(chain, meshRoot, withdrawn, now);
        } catch (MeshSecurityException e) {
            throw e;
        } catch (RuntimeException e) {
            // a certificate that parses but whose parts do not (a key of another algorithm, say): refused, never thrown on
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "an unreadable certificate: " + e.getMessage());
        }
    }

    private static String checked(List<X509Certificate> chain, X509Certificate meshRoot, Withdrawn withdrawn, Instant now) {
        Set<String> revoked = withdrawn.revoked();
        if (chain.isEmpty()) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "no certificate presented");
        }
        String meshId = meshIdOf(meshRoot);
        for (X509Certificate c : chain) {
            if (!meshIdOf(c).equals(meshId)) {
                throw new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH,
                        "certificate of mesh " + meshIdOf(c) + ", this is mesh " + meshId);
            }
            try {
                c.checkValidity(Date.from(now));
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                throw new MeshSecurityException(MeshSecurityException.Reason.EXPIRED, "certificate of " + nodeIdOf(c) + " is not valid now");
            }
        }
        X509Certificate leaf = chain.get(0);
        String nodeId = nodeIdOf(leaf);
        if (!nodeId.equals(Identity.nodeIdOf(Identity.rawPublicKey(leaf.getPublicKey())))) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the certificate's node id does not match its key");
        }
        for (X509Certificate c : chain) {
            if (revoked.contains(nodeIdOf(c))) {
                throw new MeshSecurityException(MeshSecurityException.Reason.REVOKED, "node " + nodeIdOf(c) + " was revoked");
            }
        }
        for (int i = 1; i < chain.size(); i++) {
            Instant retired = withdrawn.retired().get(nodeIdOf(chain.get(i)));
            Instant signed = chain.get(i - 1).getNotBefore().toInstant().plus(MeshRoles.SIGNING_SKEW);
            if (retired != null && signed.isAfter(retired)) {
                throw new MeshSecurityException(MeshSecurityException.Reason.REVOKED, "the certificate of " + nodeIdOf(chain.get(i - 1))
                        + " was signed by " + nodeIdOf(chain.get(i)) + " after its admin role was removed");
            }
        }
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            CertPath path = cf.generateCertPath(chain);
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(meshRoot, null)));
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(path, params);
        } catch (CertPathValidatorException e) {
            MeshSecurityException.Reason reason = e.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                    ? MeshSecurityException.Reason.EXPIRED
                    : e.getReason() == PKIXReason.PATH_TOO_LONG || e.getReason() == PKIXReason.NOT_CA_CERT
                            ? MeshSecurityException.Reason.NOT_AUTHORIZED : MeshSecurityException.Reason.FORGED;
            throw new MeshSecurityException(reason, "certificate chain of " + nodeId + " refused: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "certificate chain of " + nodeId + " refused: " + e.getMessage());
        }
        return nodeId;
    }

    /** @return whether two certificates are the same bytes */
    static boolean same(X509Certificate a, X509Certificate b) {
        try {
            return Arrays.equals(a.getEncoded(), b.getEncoded());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
