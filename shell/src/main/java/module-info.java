/**
 * The {@code atmosphere} command: a picocli command tree run one-shot from arguments, or as an
 * interactive JLine shell when started without arguments.
 */
module farm.llama.atmosphere.shell {
    requires farm.llama.atmosphere.runtime;
    // the dashboard's files: required so the image resolves the module and the node finds them
    requires farm.llama.atmosphere.ui;
    requires com.fasterxml.jackson.datatype.jdk8;
    requires info.picocli;
    requires org.jline.reader;
    requires org.jline.terminal;
    requires java.logging;

    opens farm.llama.atmosphere.shell to info.picocli;
}
