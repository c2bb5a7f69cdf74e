package farm.llama.atmosphere.runtime.tools;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import java.util.List;

/** A tool's arguments do not match its schema: the message names every problem, {@link #problems()} says where each is. */
public final class InvalidParametersException extends CallFailedException {

    private static final long serialVersionUID = 1L;

    /** The problems, with the path of the parameter each is about. */
    private final transient List<SchemaValidator.Problem> problems;

    /**
     * @param message every problem, for a reader
     * @param problems the problems, for a form to show beside each field
     */
    public InvalidParametersException(String message, List<SchemaValidator.Problem> problems) {
        super(FailureKind.INVALID_REQUEST, message);
        this.problems = List.copyOf(problems);
    }

    /** @return the problems, with the path of the parameter each is about */
    public List<SchemaValidator.Problem> problems() {
        return problems;
    }
}
