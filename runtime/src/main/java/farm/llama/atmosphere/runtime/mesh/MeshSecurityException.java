package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.spi.AtmosphereException;

/** A certificate, signature or membership check failed. The reason says which, for counting. */
public final class MeshSecurityException extends AtmosphereException {

    private static final long serialVersionUID = 1L;

    /** Why a peer or message was refused. */
    public enum Reason {
        /** A signature does not verify, or the chain does not lead to the mesh key. */
        FORGED,
        /** The certificate belongs to another mesh. */
        WRONG_MESH,
        /** Outside its validity. */
        EXPIRED,
        /** The member was revoked. */
        REVOKED,
        /** The certificate does not allow what was attempted (an admin issuing admins, a member issuing). */
        NOT_AUTHORIZED,
        /** A message seen before (same nonce within the time window). */
        REPLAYED,
        /** Not an envelope of a version this node reads. */
        MALFORMED,
        /** An envelope addressed to another node (a replay of a message meant for someone else). */
        MISADDRESSED,
        /** A link whose peer authenticated as another member than the one it was opened for. */
        IMPERSONATION,
        /** An envelope of another protocol version (no mixed-version meshes in 0.x). */
        VERSION
    }

    private final Reason reason;

    /**
     * @param reason why
     * @param message what was checked
     */
    public MeshSecurityException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** @return why */
    public Reason reason() {
        return reason;
    }
}
