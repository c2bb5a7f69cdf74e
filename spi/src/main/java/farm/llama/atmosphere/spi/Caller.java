package farm.llama.atmosphere.spi;

import java.util.regex.Pattern;

/**
 * Who a tool call or an agent intent is for, carried end to end across the mesh so that no node
 * lends its own grants to someone else (the confused deputy):
 *
 * <ul>
 *   <li>{@code principal} — what kind of caller began it where it began: {@code local} (the
 *       owner's own clients and plugins) or {@code trigger} (an event; its grants are
 *       {@code tools.grants.trigger}, none unless the owner lists them);</li>
 *   <li>{@code origin} — the node where it began, empty for this node;</li>
 *   <li>{@code via} — the member that sent it here (verified by its signature), empty when it did
 *       not come over the mesh.</li>
 * </ul>
 *
 * A call holds a permission only if every party holds it: the member that sent it, the node it
 * began on, and — for a trigger — the {@code trigger} caller. So a member relaying for another can
 * lend nothing, and a claim can only narrow what the sender may do.
 *
 * @param principal {@code local} or {@code trigger}
 * @param origin the node where the call began, empty for this node
 * @param via the member that sent it here, empty for this node's own callers
 */
public record Caller(String principal, String origin, String via) {

    private static final Pattern NODE_ID = Pattern.compile("[0-9a-f]{16}");

    /** This node's owner: its CLI, API clients and plugins. */
    public static final Caller LOCAL = new Caller("local", "", "");

    /** A trigger of this node: an event turned into an intent. */
    public static final Caller TRIGGER = new Caller("trigger", "", "");

    /** Validates. */
    public Caller {
        if (!principal.equals("local") && !principal.equals("trigger")) {
            throw new IllegalArgumentException("a caller is local or trigger, not " + principal);
        }
        if (!origin.isEmpty() && !NODE_ID.matcher(origin).matches() || !via.isEmpty() && !NODE_ID.matcher(via).matches()) {
            throw new IllegalArgumentException("a node id is 16 hex characters");
        }
    }

    /**
     * @param node a member's verified node id
     * @return that member asking for itself
     */
    public static Caller member(String node) {
        return new Caller("local", node, node);
    }

    /**
     * The caller of a request that arrived over the mesh.
     *
     * @param sender the verified sender
     * @param origin the node the sender says the call began on (empty: the sender itself)
     * @param principal what the sender says began it (empty: {@code local})
     * @param self this node's id (a call that began here and came back is this node's own again)
     * @return the caller
     * @throws CallFailedException INVALID_REQUEST when the claim is malformed
     */
    public static Caller received(String sender, String origin, String principal, String self) {
        String o = origin.isEmpty() ? sender : origin;
        try {
            return new Caller(principal.isEmpty() ? "local" : principal, o.equals(self) ? "" : o, sender);
        } catch (IllegalArgumentException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "the request names its caller wrongly: " + e.getMessage());
        }
    }

    /** @return whether this is this node's owner, asking here */
    public boolean isLocal() {
        return this.equals(LOCAL);
    }

    /** @return whether it did not come over the mesh (this node's owner or one of its triggers) */
    public boolean isOwn() {
        return via.isEmpty();
    }

    /**
     * @param self this node's id
     * @return the origin to name when this node passes the call on to a member
     */
    public String originFrom(String self) {
        return origin.isEmpty() ? self : origin;
    }

    /** @return what agents spawned for this caller are counted and reused under: the sending member, or {@code local}/{@code trigger} */
    public String key() {
        return via.isEmpty() ? principal : via;
    }

    @Override
    public String toString() {
        if (via.isEmpty()) {
            return principal;
        }
        String began = origin.isEmpty() ? "this node" : origin.equals(via) ? "" : "node " + origin;
        String who = "node " + via;
        if (!began.isEmpty()) {
            who += " for " + began;
        }
        return principal.equals("trigger") ? who + " (a trigger)" : who;
    }
}
