package farm.llama.atmosphere.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The node's data directory and the files in it. Chosen by {@code --data-dir}, else
 * {@code ATMOSPHERE_DATA_DIR}, else {@code ~/.atmosphere} when it holds a node, else
 * {@code /var/lib/atmosphere} when it holds one (a system node), else {@code ~/.atmosphere}.
 *
 * @param path the directory (it may not exist yet)
 */
public record DataDir(Path path) {

    /** Validates and makes the path absolute. */
    public DataDir {
        path = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
    }

    /**
     * @param flag the {@code --data-dir} option, if given
     * @param env the environment
     * @return the data dir by the documented precedence
     */
    public static DataDir resolve(Optional<Path> flag, Map<String, String> env) {
        return resolve(flag, env, Path.of(System.getProperty("user.home"), ".atmosphere"), SYSTEM);
    }

    /** Where a system node (the .deb's service) keeps its data. */
    public static final Path SYSTEM = Path.of("/var/lib/atmosphere");

    /**
     * @return the files directly in this data dir its group may read: for the system node, the
     *         admin token (members of group {@code atmosphere} administer it), {@code node.json}
     *         (where it serves) and {@code node.lock} (whether it serves); none for a user's own
     */
    public Set<String> groupReadable() {
        return path.equals(SYSTEM) ? Set.of("admin.token", "node.json", "node.lock") : Set.of();
    }

    /**
     * @param flag the {@code --data-dir} option, if given
     * @param env the environment
     * @param user the user's data dir ({@code ~/.atmosphere})
     * @param system the system node's ({@code /var/lib/atmosphere})
     * @return {@code --data-dir}, else {@code ATMOSPHERE_DATA_DIR}, else the user's when it holds a
     *         node, else the system node's when it holds one, else the user's (created by {@code init})
     */
    static DataDir resolve(Optional<Path> flag, Map<String, String> env, Path user, Path system) {
        if (flag.isPresent()) {
            return new DataDir(flag.get());
        }
        String fromEnv = env.get("ATMOSPHERE_DATA_DIR");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new DataDir(Path.of(fromEnv));
        }
        if (!holdsNode(user) && holdsNode(system)) {
            return new DataDir(system);
        }
        return new DataDir(user);
    }

    /**
     * @return what to tell a user for whom this data dir holds no node: to run {@code init}, and —
     *         when a system node's data dir exists that this user may not read — how to be let in
     */
    public String noNodeMessage() {
        return noNodeMessage(SYSTEM);
    }

    String noNodeMessage(Path system) {
        String message = "No node is initialised in " + path + ".";
        if (!path.equals(system) && Files.isDirectory(system) && !Files.isReadable(system)) {
            return message + " A system node's data dir is " + system + ", and this user may not use it: members of the group"
                    + " 'atmosphere' can ('sudo usermod -aG atmosphere $USER', then log in again). Or run 'atmosphere init' for a node of your own.";
        }
        return message + " Run 'atmosphere init' first.";
    }

    /** @return whether a folder holds a node (its identity, or — where this user cannot read that — its config) */
    private static boolean holdsNode(Path dir) {
        return Files.exists(dir.resolve("identity.json")) || Files.exists(dir.resolve("config.yaml"));
    }

    /** @return {@code identity.json}: the node's Ed25519 key pair (0600) */
    public Path identityFile() {
        return path.resolve("identity.json");
    }

    /** @return {@code config.yaml} */
    public Path configFile() {
        return path.resolve("config.yaml");
    }

    /** @return {@code admin.token} (0600) */
    public Path adminTokenFile() {
        return path.resolve("admin.token");
    }

    /** @return {@code api-keys.json} (0600): hashes of the API keys for remote clients */
    public Path apiKeysFile() {
        return path.resolve("api-keys.json");
    }

    /** @return {@code node.json}: pid and address of the serving node */
    public Path nodeFile() {
        return path.resolve("node.json");
    }

    /** @return {@code node.lock}: held while a node serves this directory */
    public Path lockFile() {
        return path.resolve("node.lock");
    }

    /** @return {@code plugins/}: the user's drop-in plugins */
    public Path pluginsDir() {
        return path.resolve("plugins");
    }

    /** @return {@code plugin-state/}: enabled/disabled lists and unpacked plugin zips */
    public Path pluginStateDir() {
        return path.resolve("plugin-state");
    }

    /** @return {@code plugins-data/}: one folder per provider for its own files */
    public Path pluginDataDir() {
        return path.resolve("plugins-data");
    }

    /** @return {@code history}: the interactive shell's history */
    public Path historyFile() {
        return path.resolve("history");
    }

    /** @return {@code logs/} */
    public Path logsDir() {
        return path.resolve("logs");
    }

    /** @return {@code agents/}: agent specs the owner added ({@code *.yaml}) */
    public Path agentsDir() {
        return path.resolve("agents");
    }

    /** @return {@code agent-registry.json}: the agents spawned here, restored asleep after a restart */
    public Path agentRegistryFile() {
        return path.resolve("agent-registry.json");
    }
}
