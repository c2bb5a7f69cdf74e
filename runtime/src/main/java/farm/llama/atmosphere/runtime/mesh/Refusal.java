package farm.llama.atmosphere.runtime.mesh;

/**
 * A request from a peer without a membership (a short-code lookup, a relay admission) refused: the
 * reason, counted as {@code refused_<reason>} and sent back, and the message the peer is shown.
 * Checked, and without a stack trace: a refusal is an answer, not a failure.
 */
public final class Refusal extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;

    /**
     * @param reason the reason, lower case ({@code bad_code}, {@code replayed}, {@code not_allowed}, …)
     * @param message what the peer is told
     */
    public Refusal(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** @return the reason */
    public String reason() {
        return reason;
    }
}
