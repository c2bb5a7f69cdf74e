package farm.llama.atmosphere.spi;

/**
 * The unchecked root of every failure Atmosphere reports. Messages say what was tried and what
 * the user can do about it; they never contain secrets.
 */
public class AtmosphereException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and what to do, never {@code null}
     */
    public AtmosphereException(String message) {
        super(message);
    }

    /**
     * @param message what failed and what to do, never {@code null}
     * @param cause the underlying failure
     */
    public AtmosphereException(String message, Throwable cause) {
        super(message, cause);
    }
}
