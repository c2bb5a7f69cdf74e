package farm.llama.atmosphere.spi;

/**
 * Why a call to a backend, peer or tool failed, in terms failover can act on.
 */
public enum FailureKind {
    /** Nothing answered: connection refused, no route, DNS failure. Retry elsewhere; mark down. */
    UNREACHABLE(true),
    /** It answered but refused the request (authentication, policy, 4xx). Retrying elsewhere may help. */
    REFUSED(true),
    /** No answer in time. Retry elsewhere. */
    TIMEOUT(true),
    /** It answered with something that is not the protocol (bad JSON, wrong shape, 5xx). Retry elsewhere. */
    BAD_RESPONSE(true),
    /** It is busy (429, 503, concurrency cap). Retry elsewhere or later. */
    OVERLOADED(true),
    /** The requested model, tool or capability does not exist there. */
    NOT_FOUND(true),
    /** The request itself is invalid; any other target would refuse it too. Do not retry. */
    INVALID_REQUEST(false),
    /** The caller cancelled. Do not retry. */
    CANCELLED(false),
    /** A fault inside this node. */
    INTERNAL(false);

    private final boolean retryable;

    FailureKind(boolean retryable) {
        this.retryable = retryable;
    }

    /**
     * @return whether trying another candidate may succeed where this one failed
     */
    public boolean retryable() {
        return retryable;
    }
}
