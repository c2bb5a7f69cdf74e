package farm.llama.atmosphere.runtime.mesh.swim;

import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage.Update;
import java.nio.charset.StandardCharsets;

/**
 * Who vouches for what the membership protocol says about a member: each member signs its own
 * statement (incarnation, capability version, address, alive or left), and a statement about a
 * member is taken only with that member's signature. Implementations must be thread-safe.
 */
public interface Statements {

    /** What a check of a statement found. */
    enum Check {
        /** Signed by the member it is about. */
        VALID,
        /** Carries no signature: ignored (a member admitted elsewhere that has not spoken yet). */
        UNSIGNED,
        /** Signed, but by a node whose membership certificate is not known here yet: ignored until it is. */
        UNKNOWN_SIGNER,
        /** The signature does not verify: a lie, counted. */
        FORGED
    }

    /**
     * @param own this node's statement
     * @return its signature
     */
    byte[] sign(Update own);

    /** @return whether statements carry signatures at all (false only for the simulator's unsigned runs): an unsigned one is then not passed on */
    default boolean signs() {
        return true;
    }

    /**
     * @param u a statement about another member
     * @param from the member that passed it on
     * @return what the check found
     */
    Check check(Update u, String from);

    /**
     * @param u a statement
     * @return the bytes its member signs: the node, incarnation, capability version, address and
     *         whether it left ({@code SUSPECT} and {@code DEAD} are others' words, so they sign as alive)
     */
    static byte[] signedBytes(Update u) {
        return ("atmosphere-statement-v1|" + u.node() + "|" + u.incarnation() + "|" + (u.state() == MemberState.LEFT ? "left" : "alive")
                + "|" + u.capabilities() + "|" + u.address()).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param signatureBytes how many bytes a signature takes (64 for Ed25519; 0 for unsigned)
     * @return statements that are signed with placeholder bytes of a real signature's size and never
     *         checked: the simulator at scales where signing every statement would dominate the run,
     *         so messages still carry statements at their real size
     */
    static Statements unchecked(int signatureBytes) {
        return new Statements() {
            @Override
            public byte[] sign(Update own) {
                return new byte[signatureBytes];
            }

            @Override
            public Check check(Update u, String from) {
                return Check.VALID;
            }

            @Override
            public boolean signs() {
                return signatureBytes > 0;
            }
        };
    }
}
