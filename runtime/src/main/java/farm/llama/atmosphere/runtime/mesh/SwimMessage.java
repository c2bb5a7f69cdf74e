package farm.llama.atmosphere.runtime.mesh;

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
     * What one node believes about another.
     *
     * @param node the member
     * @param incarnation its incarnation (only the member raises it, to refute suspicion)
     * @param state the state
     * @param capabilities the version of its capabilities it last published
     * @param address where the member can be reached (its endpoint), "" if unknown
     */
    public record Update(String node, long incarnation, MemberState state, long capabilities, String address) {
        /** Validates. */
        public Update {
            Objects.requireNonNull(node);
            Objects.requireNonNull(state);
            address = address == null ? "" : address;
        }

        /** An update without an address (the simulator's nodes need none). */
        public Update(String node, long incarnation, MemberState state, long capabilities) {
            this(node, incarnation, state, capabilities, "");
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
