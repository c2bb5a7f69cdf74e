package farm.llama.atmosphere.runtime.mesh.swim;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A membership protocol message. Every message carries piggy-backed updates.
 *
 * @param kind what it is
 * @param from the sender
 * @param to the recipient
 * @param seq the probe sequence number it belongs to (0 for gossip and sync)
 * @param target for {@code PING_REQ} and relayed acks: the member being probed; otherwise ""
 * @param updates membership and capability-version updates
 */
public record SwimMessage(Kind kind, String from, String to, long seq, String target, List<Update> updates) {

    /** Message kinds. */
    public enum Kind {
        /** Are you alive? */
        PING,
        /** Yes (also relayed back to the origin of an indirect probe). */
        ACK,
        /** Please probe {@code target} for me. */
        PING_REQ,
        /** Pending updates, to a few random members. */
        GOSSIP,
        /** My whole view (anti-entropy). */
        SYNC,
        /** My whole view, in answer to yours. */
        SYNC_REPLY
    }

    /**
     * What one node believes about another, carrying that member's own signed statement.
     *
     * <p>The signature is the member's, over its node id, incarnation, capability version, address
     * and whether it left ({@link Statements#signedBytes}); others relay it unchanged. A third party
     * may say that a member is {@code SUSPECT} or {@code DEAD}, but only alongside the statement the
     * member signed at that incarnation — so nobody can move a member's address, raise its
     * incarnation, make it leave, or invent a member.
     *
     * @param node the member
     * @param incarnation its incarnation (only the member raises it, to refute suspicion)
     * @param state the state
     * @param capabilities the version of its capabilities it last published
     * @param address where the member can be reached (its endpoint), "" if unknown
     * @param sig the member's signature over its statement; empty when unsigned (the simulator's
     *            unsigned runs, and a member admitted here that has not spoken yet)
     */
    public record Update(String node, long incarnation, MemberState state, long capabilities, String address, byte[] sig) {
        /** Validates. */
        public Update {
            Objects.requireNonNull(node);
            Objects.requireNonNull(state);
            address = address == null ? "" : address;
            sig = sig == null ? new byte[0] : sig;
        }

        /** An unsigned update. */
        public Update(String node, long incarnation, MemberState state, long capabilities, String address) {
            this(node, incarnation, state, capabilities, address, new byte[0]);
        }

        /** An unsigned update without an address. */
        public Update(String node, long incarnation, MemberState state, long capabilities) {
            this(node, incarnation, state, capabilities, "", new byte[0]);
        }

        /** @return the same update, signed */
        public Update signed(byte[] signature) {
            return new Update(node, incarnation, state, capabilities, address, signature);
        }

        /**
         * @return the bytes this update takes in a message's JSON, exactly as {@code Json.write} writes
         *         it (unit-tested against it): what counts against the piggy-back budget
         */
        public int wireSize() {
            // {"node":"…","incarnation":N,"state":"…","capabilities":N,"address":"…","sig":"…"} plus the comma between updates
            return 75 + node.length() + digits(incarnation) + state.name().length() + digits(capabilities) + address.length()
                    + 4 * ((sig.length + 2) / 3) + 1;
        }

        private static int digits(long v) {
            return Long.toString(v).length();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Update u && u.node.equals(node) && u.incarnation == incarnation && u.state == state
                    && u.capabilities == capabilities && u.address.equals(address) && Arrays.equals(u.sig, sig);
        }

        @Override
        public int hashCode() {
            return Objects.hash(node, incarnation, state, capabilities, address) * 31 + Arrays.hashCode(sig);
        }

        @Override
        public String toString() {
            return node + "@" + incarnation + " " + state + " caps " + capabilities + (address.isEmpty() ? "" : " at " + address)
                    + (sig.length == 0 ? " (unsigned)" : " (signed)");
        }
    }

    /** Validates and copies. */
    public SwimMessage {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(from);
        Objects.requireNonNull(to);
        Objects.requireNonNull(target);
        updates = List.copyOf(updates);
    }
}
