package farm.llama.atmosphere.spi.transport;

import java.util.List;

/**
 * What a node that is not a member yet shows a relay to reach the member that invited it: the
 * issuer's join ticket (a public statement, no secret) and proof that this node holds its node
 * key. A relay admits such a node for join traffic to that issuer only; what travels is sealed to
 * the issuer by the node, never readable by the relay. The private key never leaves the node.
 * Thread-safe.
 */
public interface JoinPass {

    /** @return the join ticket as the issuer signed it (a JSON object) */
    String ticket();

    /** @return the issuer's node id: the only member this pass reaches */
    String issuer();

    /** @return this node's id */
    String nodeId();

    /** @return this node's raw Ed25519 public key (32 bytes), whose hash is its node id */
    byte[] publicKey();

    /**
     * Signs with this node's Ed25519 key.
     *
     * @param data the bytes to sign; a transport signs only statements that name their purpose
     * @return the 64-byte signature
     */
    byte[] sign(byte[] data);

    /** @return the relays the issuer named ({@code ws://} or {@code wss://} URLs) */
    List<String> relays();
}
