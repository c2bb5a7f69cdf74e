package farm.llama.atmosphere.spi;

import java.util.Objects;

/**
 * A call to a backend, peer, tool or agent failed. The {@link #kind()} tells failover what to do;
 * the message tells a person what happened.
 */
public class CallFailedException extends AtmosphereException {

    private static final long serialVersionUID = 1L;

    private final FailureKind kind;

    /**
     * @param kind why it failed
     * @param message what was tried and what failed
     */
    public CallFailedException(FailureKind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /**
     * @param kind why it failed
     * @param message what was tried and what failed
     * @param cause the underlying failure
     */
    public CallFailedException(FailureKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /**
     * @return why the call failed, never {@code null}
     */
    public FailureKind kind() {
        return kind;
    }
}
