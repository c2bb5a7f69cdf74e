package farm.llama.atmosphere.runtime.http;

import io.helidon.http.Status;

/** An error answered in OpenAI's shape with a given status. */
final class ApiError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final transient Status status;
    final String type;
    final String code;
    final String param;
    int retryAfter = -1;

    ApiError(Status status, String type, String code, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    ApiError retryAfter(int seconds) {
        this.retryAfter = seconds;
        return this;
    }
}
