package farm.llama.atmosphere.runtime.api;

import java.util.Optional;

/** Where Jackson leaves a missing field null, the records of this package hold an empty optional. */
final class Optionals {

    private Optionals() {
    }

    /**
     * @param o an optional, or null
     * @param <T> what it holds
     * @return the optional, empty for null
     */
    static <T> Optional<T> orEmpty(Optional<T> o) {
        return o == null ? Optional.empty() : o;
    }
}
