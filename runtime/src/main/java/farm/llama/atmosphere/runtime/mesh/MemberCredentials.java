package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.transport.MeshCredentials;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * What a transport presents for this node where TLS does not carry it (a relay's admission): the
 * mesh id, the membership chain up to the root, a signature by the node key, the revocations it
 * knows and the relays its invite named.
 */
final class MemberCredentials implements MeshCredentials {

    private final String meshId;
    private final Identity identity;
    private final List<byte[]> chain;
    private final Revocations revocations;
    private final List<String> relays;

    /**
     * @param meshId the mesh
     * @param identity this node
     * @param chain its membership chain, leaf first
     * @param root the mesh root
     * @param revocations the mesh's revocations
     * @param relays the relays to use
     */
    MemberCredentials(String meshId, Identity identity, List<X509Certificate> chain, X509Certificate root, Revocations revocations,
                      List<String> relays) {
        this.meshId = meshId;
        this.identity = identity;
        this.revocations = revocations;
        this.relays = List.copyOf(relays);
        List<byte[]> der = new ArrayList<>();
        try {
            for (X509Certificate c : chain) {
                der.add(c.getEncoded());
            }
            der.add(root.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        this.chain = List.copyOf(der);
    }

    @Override
    public String meshId() {
        return meshId;
    }

    @Override
    public String nodeId() {
        return identity.nodeId();
    }

    @Override
    public List<byte[]> chain() {
        return chain;
    }

    @Override
    public byte[] sign(byte[] data) {
        return identity.sign(data);
    }

    @Override
    public List<String> revocations() {
        return revocations.all().stream().map(Json::write).toList();
    }

    @Override
    public List<String> relays() {
        return relays;
    }
}
