package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.relay.RelayServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere relay}: run a relay for members that cannot reach each other directly. */
@Command(name = "relay", mixinStandardHelpOptions = true, subcommands = RelayCommand.Serve.class,
        description = {"A relay passes mesh messages between members that cannot reach each other directly (NAT, firewalls).",
                "It admits only members of the mesh they name, holds no secret and no state, and sees only who talks to whom:",
                "payloads are sealed end-to-end."})
final class RelayCommand implements Runnable {

    @ParentCommand
    RootCommand root;

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(root.session.out);
    }

    /** {@code atmosphere relay serve}: runs a relay in the foreground until stopped. */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"Run a relay in the foreground until Ctrl-C. Members list it in config.yaml:",
                    "  mesh:", "    relays: [ws://THIS-HOST:8765]",
                    "With --tls-keystore it serves wss:// (members trust its certificate through the system trust store, or pin it",
                    "with transport.relay.trust). GET /health and GET /stats answer on the same port."})
    static final class Serve implements Callable<Integer> {

        @ParentCommand
        RelayCommand parent;

        @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + RelayServer.DEFAULT_PORT,
                description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
        int port;

        @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
                description = "Address to bind (default ${DEFAULT-VALUE}: a relay exists to be reached from other networks).")
        String host;

        @Option(names = "--max-connections", paramLabel = "N", defaultValue = "" + RelayServer.DEFAULT_MAX_CONNECTIONS,
                description = "Connections served at once; more are refused until some close (default ${DEFAULT-VALUE}).")
        int maxConnections;

        @Option(names = "--max-connections-per-address", paramLabel = "N",
                defaultValue = "" + RelayServer.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
                description = "Connections one address may hold at once; more are refused at once (default ${DEFAULT-VALUE}).")
        int maxConnectionsPerAddress;

        @Option(names = "--allow-mesh", paramLabel = "MESH-ID",
                description = "Serve only this mesh (repeatable; its id as 'atmosphere mesh' shows it). Without it, any mesh"
                        + " whose members prove their membership is served.")
        List<String> allowMeshes = new ArrayList<>();

        @Option(names = "--failed-admissions", paramLabel = "N", defaultValue = "30",
                description = "Failed admissions one address may cause within a minute before its connections are refused"
                        + " (default ${DEFAULT-VALUE}).")
        int failedAdmissions;

        @Option(names = "--tls-keystore", paramLabel = "FILE.p12",
                description = "Serve wss:// with this PKCS#12 key and certificate chain; its password comes from the"
                        + " ATMOSPHERE_RELAY_TLS_PASSWORD environment variable (never the command line, where other users could read it).")
        Path tlsKeystore;

        @Override
        public Integer call() throws InterruptedException {
            if (port < 0 || port > 65535) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--port must be 0-65535, got " + port);
            }
            var out = parent.root.session.out;
            if (maxConnections < 1 || maxConnectionsPerAddress < 1 || failedAdmissions < 1) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--max-connections, --max-connections-per-address and --failed-admissions must be at least 1");
            }
            for (String m : allowMeshes) {
                if (!m.matches("[0-9a-f]{16}")) {
                    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                            "--allow-mesh takes a mesh id (16 hex digits, as 'atmosphere mesh' shows it); got '" + m + "'");
                }
            }
            RelayServer.Options options = RelayServer.Options.of(host, port).maxConnections(maxConnections)
                    .maxConnectionsPerAddress(maxConnectionsPerAddress).failedAdmissions(failedAdmissions)
                    .allowMeshes(Set.copyOf(allowMeshes));
            if (tlsKeystore != null) {
                options = options.tlsKeystore(tlsKeystore,
                        Objects.requireNonNullElse(System.getenv("ATMOSPHERE_RELAY_TLS_PASSWORD"), ""));
            }
            RelayServer relay = new RelayServer(options);
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                relay.close();
                stopped.countDown();
            }, "atmosphere-relay-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out.println("Relay listening on " + relay.url(host) + RelayServer.PATH + " (protocol " + RelayServer.VERSION
                    + "). Members add it to mesh.relays. Ctrl-C stops it.");
            if (!allowMeshes.isEmpty()) {
                out.println("Serving only mesh" + (allowMeshes.size() > 1 ? "es " : " ") + String.join(", ", allowMeshes) + ".");
            }
            out.flush();
            stopped.await();
            return 0;
        }
    }
}
