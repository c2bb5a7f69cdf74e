package farm.llama.atmosphere.runtime.mesh;

import java.util.List;
import java.util.Objects;

/**
 * A mesh message as it crosses a transport: who sent it to whom in which mesh, when, a nonce,
 * the sender's certificate chain, the payload, and the sender's Ed25519 signature over all of it.
 *
 * @param version wire format version
 * @param meshId the mesh
 * @param from the sender's node id
 * @param to the recipient's node id, or "" for any member
 * @param type the message type ({@code swim}, {@code chat}, ...)
 * @param timestamp milliseconds since the epoch, by the sender's clock
 * @param nonce 16 random bytes, never reused
 * @param chain the sender's certificates, leaf first (DER)
 * @param payload the content
 */
public record Envelope(int version, String meshId, String from, String to, String type, long timestamp, byte[] nonce,
                       List<byte[]> chain, byte[] payload) {

    /**
     * The protocol version this node speaks, in every envelope: 8 since invites name the issuer's
     * {@code relay:} endpoint with a join ticket and joins through a relay are sealed to the issuer
     * (7: profiles say which
     * capabilities can continue a trailing assistant message and chat requests may ask for one to be
     * continued; 6: profiles carry the links a member measures to the others; 5: a roster of roles
     * signed by the mesh key; 4: tool calls and
     * agent intents name the caller they are for and profiles prove their role; 3: membership
     * statements signed by their members; 2: envelopes sealed for relays). A peer of another
     * version is refused.
     */
    public static final int VERSION = 8;

    /** Validates and copies the chain list. */
    public Envelope {
        Objects.requireNonNull(meshId);
        Objects.requireNonNull(from);
        Objects.requireNonNull(to);
        Objects.requireNonNull(type);
        Objects.requireNonNull(nonce);
        chain = List.copyOf(chain);
        Objects.requireNonNull(payload);
        if (nonce.length != 16) {
            throw new IllegalArgumentException("nonce must be 16 bytes");
        }
    }
}
