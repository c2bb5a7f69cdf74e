package farm.llama.atmosphere.runtime.relay;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.JoinTickets;
import farm.llama.atmosphere.runtime.mesh.MeshCertificates;
import farm.llama.atmosphere.runtime.mesh.MeshSecurityException;
import farm.llama.atmosphere.runtime.mesh.Refusal;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A node's admission to the relay, checked: it answers this connection's challenge, names a mesh
 * the relay serves, presents a chain from its certificate to a self-signed root that hashes to
 * that mesh id, nobody in the chain is revoked (before and after the revocations it brings), and
 * its signature over the challenge holds. The relay keeps nothing it could use.
 */
final class RelayAdmission {

    /** A chain runs from the member's certificate (and an admin's) to the root: 2 to 4 certificates. */
    private static final int MIN_CHAIN = 2;
    private static final int MAX_CHAIN = 4;

    /**
     * An admission that holds.
     *
     * @param meshId the mesh
     * @param nodeId the node
     * @param chain the chain as presented (base64, leaf first, root last), passed on to the mesh's other members
     */
    record Admitted(String meshId, String nodeId, List<String> chain) {
    }

    /**
     * A joiner admitted for join traffic to one member.
     *
     * @param meshId the mesh its ticket names
     * @param issuer the member that issued the ticket: the only one the joiner may reach
     * @param nodeId the joiner, proven by its signature
     * @param ticketId the ticket
     * @param expiresAt when the ticket expires
     */
    record Joining(String meshId, String issuer, String nodeId, String ticketId, Instant expiresAt) {
    }

    private RelayAdmission() {
    }

    /**
     * @param hello a hello or join request
     * @throws Refusal {@code version} when it speaks another relay protocol, naming both
     */
    static void version(JsonNode hello) throws Refusal {
        int v = hello.path("v").asInt(1);
        if (v != RelayServer.VERSION) {
            throw new Refusal("version", "the node speaks relay protocol " + v + ", this relay speaks relay protocol "
                    + RelayServer.VERSION + "; run the same version of Atmosphere on the relay and its nodes");
        }
    }

    /**
     * A node that is not a member yet asks to reach the member that invited it: it answers this
     * connection's challenge, shows that member's join ticket (checked as {@link JoinTickets#verify}
     * does, against the revocations held here) and proves it holds the key of the node id it names.
     *
     * @param join the request
     * @param challenge this connection's challenge
     * @param allowMeshes the meshes this relay serves (empty: any)
     * @param revoked the revocations held here, per mesh
     * @param admitted the chain a member was admitted with here (mesh id, node id → base64, leaf first), or empty
     * @return the admission for join traffic
     * @throws Refusal saying why not
     */
    static Joining checkJoin(JsonNode join, String challenge, Set<String> allowMeshes, RelayRevocations revoked,
                             java.util.function.BiFunction<String, String, List<String>> admitted) throws Refusal {
        version(join);
        if (!challenge.equals(join.path("nonce").asText())) {
            throw new Refusal("replayed", "the join request does not answer this connection's challenge");
        }
        String meshId = join.path("ticket").path("mesh").asText();
        if (!allowMeshes.isEmpty() && !allowMeshes.contains(meshId)) {
            throw new Refusal("not_allowed", "this relay does not serve mesh " + meshId);
        }
        try {
            List<X509Certificate> issuerChain = new ArrayList<>();
            admitted.apply(meshId, join.path("ticket").path("issuer").asText()).forEach(c -> issuerChain.add(certificate(c)));
            JoinTickets.Ticket t = JoinTickets.verify(join.path("ticket"), issuerChain, revoked.of(meshId), Instant.now());
            byte[] key = Base64.getDecoder().decode(join.path("key").asText());
            String nodeId = Identity.nodeIdOf(key);
            if (!nodeId.equals(join.path("node").asText())) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the key is " + nodeId + "'s, not "
                        + join.path("node").asText() + "'s");
            }
            byte[] sig = Base64.getDecoder().decode(join.path("sig").asText());
            if (!Identity.verify(Identity.publicKeyOf(key), RelayServer.joinStatement(challenge, t.id(), nodeId), sig)) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the join request's signature does not verify");
            }
            return new Joining(t.meshId(), t.issuer(), nodeId, t.id(), t.expiresAt());
        } catch (MeshSecurityException e) {
            throw new Refusal(e.reason().name().toLowerCase(Locale.ROOT), e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new Refusal("malformed", "unreadable join request: " + e.getMessage());
        }
    }

    /**
     * @param hello the node's hello
     * @param challenge this connection's challenge
     * @param allowMeshes the meshes this relay serves (empty: any)
     * @param revoked the revocations held here, per mesh
     * @param learn takes the revocations a proven member brings ({@code root}, the list), before the last check
     * @return the admission
     * @throws Refusal saying why not
     */
    static Admitted check(JsonNode hello, String challenge, Set<String> allowMeshes, RelayRevocations revoked,
                          BiConsumer<X509Certificate, JsonNode> learn) throws Refusal {
        version(hello);
        if (!challenge.equals(hello.path("nonce").asText())) {
            throw new Refusal("replayed", "the admission does not answer this connection's challenge");
        }
        String meshId = hello.path("mesh").asText();
        String nodeId = hello.path("node").asText();
        if (!allowMeshes.isEmpty() && !allowMeshes.contains(meshId)) {
            throw new Refusal("not_allowed", "this relay does not serve mesh " + meshId);
        }
        List<String> presented = new ArrayList<>();
        hello.path("chain").forEach(c -> presented.add(c.asText()));
        try {
            List<X509Certificate> certs = new ArrayList<>();
            for (String c : presented) {
                certs.add(certificate(c));
            }
            if (certs.size() < MIN_CHAIN || certs.size() > MAX_CHAIN) {
                throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "the chain must run from the member's certificate to the mesh root");
            }
            X509Certificate root = certs.remove(certs.size() - 1);
            if (!MeshCertificates.meshId(root.getPublicKey()).equals(meshId)) {
                throw new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH,
                        "the presented root is mesh " + MeshCertificates.meshId(root.getPublicKey()) + ", not " + meshId);
            }
            try {
                root.verify(root.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the mesh root is not self-signed");
            }
            String verified = MeshCertificates.verify(certs, root, revoked.of(meshId), Instant.now());
            if (!verified.equals(nodeId)) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the certificate is " + verified + "'s, not " + nodeId + "'s");
            }
            byte[] sig = Base64.getDecoder().decode(hello.path("sig").asText());
            if (!Identity.verify(certs.get(0).getPublicKey(), RelayServer.statement(challenge, meshId, nodeId), sig)) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the admission signature does not verify");
            }
            // only a member that proved itself tells the relay revocations (then kept while its mesh has members here)
            learn.accept(root, hello.path("revocations"));
            MeshCertificates.verify(certs, root, revoked.of(meshId), Instant.now());
        } catch (MeshSecurityException e) {
            throw new Refusal(e.reason().name().toLowerCase(Locale.ROOT), e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new Refusal("malformed", "unreadable admission: " + e.getMessage());
        }
        return new Admitted(meshId, nodeId, List.copyOf(presented));
    }

    /**
     * @param base64 a DER certificate, base64
     * @return it
     * @throws MeshSecurityException MALFORMED when it cannot be read
     */
    static X509Certificate certificate(String base64) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "an unreadable certificate");
        }
    }
}
