package farm.llama.atmosphere.spi.transport;

import java.util.List;

/**
 * What a transport that must prove membership to a third party (a relay) may use of this node's
 * membership: its certificate chain and a signature made with its node key. The private key
 * itself never leaves the node. Thread-safe.
 */
public interface MeshCredentials {

    /** @return the mesh id (16 hex characters) */
    String meshId();

    /** @return this node's id */
    String nodeId();

    /** @return this node's membership certificate chain as DER, leaf first, ending with the mesh root certificate */
    List<byte[]> chain();

    /**
     * Signs with this node's Ed25519 key.
     *
     * @param data the bytes to sign; a transport signs only statements that name their purpose
     * @return the 64-byte signature
     */
    byte[] sign(byte[] data);

    /** @return the signed revocations this node knows, as JSON objects, so a relay can refuse revoked members */
    List<String> revocations();

    /** @return the relays this node should keep a connection to ({@code ws://} or {@code wss://} URLs) */
    List<String> relays();
}
