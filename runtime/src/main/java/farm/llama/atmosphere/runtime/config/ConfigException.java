package farm.llama.atmosphere.runtime.config;

import farm.llama.atmosphere.spi.AtmosphereException;
import java.util.List;

/**
 * The configuration is malformed or mistyped. The message names the file (or environment
 * variable), the line and the key of every problem found.
 */
public final class ConfigException extends AtmosphereException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /**
     * @param problems one line per problem
     */
    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    /** @return one line per problem */
    public List<String> problems() {
        return problems;
    }
}
