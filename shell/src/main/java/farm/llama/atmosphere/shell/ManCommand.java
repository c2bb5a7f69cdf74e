package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.util.Atmosphere;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code atmosphere man}: the manual page, generated from the command tree. */
@Command(name = "man", mixinStandardHelpOptions = true,
        description = {"Print the manual page (roff), generated from the command tree: atmosphere man | man -l -",
                "The release archives carry it as share/man/man1/atmosphere.1."})
final class ManCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        root.session.out.print(ManPage.roff(spec.root(), Atmosphere.version()));
        return 0;
    }
}
