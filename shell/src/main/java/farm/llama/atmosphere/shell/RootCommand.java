package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.util.Atmosphere;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

/** {@code atmosphere}: the root of the command tree. */
@Command(name = "atmosphere",
        mixinStandardHelpOptions = true,
        versionProvider = RootCommand.Version.class,
        description = {"Atmosphere: a semantic mesh for AI capabilities.",
                "Run without a command for an interactive shell."},
        subcommands = {InitCommand.class, StatusCommand.class, ServeCommand.class, StopCommand.class, HealthCommand.class, DashboardCommand.class, ChatCommand.class, RouteCommand.class,
                BackendsCommand.class, ScanCommand.class, NetworkCommand.class, CostCommand.class, PluginCommand.class, ToolCommand.class, AgentCommand.class, TriggerCommand.class,
                MeshCommand.class, MeshCommand.Approve.class, PolicyCommand.class, ModelCommand.class, TokenCommand.class, SimCommand.class, RelayCommand.class, CompletionCommand.class, ManCommand.class},
        usageHelpAutoWidth = true)
final class RootCommand implements Runnable {

    final Session session;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory (default: $ATMOSPHERE_DATA_DIR, else ~/.atmosphere).")
    void dataDir(Path dir) {
        session.dataDirFlag(Optional.of(dir));
    }

    RootCommand(Session session) {
        this.session = session;
    }

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "Missing command");
    }

    /** Prints the version, the commit it was built from and the Java runtime. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Atmosphere " + Atmosphere.version(), "commit " + Atmosphere.commit(), "Java " + Atmosphere.runtime()};
        }
    }
}
