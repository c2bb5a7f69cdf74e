package farm.llama.atmosphere.shell;

import picocli.CommandLine.Option;

/** {@code --json}, mixed into every command that can print its result as one JSON document. */
final class JsonOption {

    @Option(names = "--json", description = "Print one JSON document.")
    boolean on;

    /** @return whether {@code --json} was given */
    boolean on() {
        return on;
    }
}
