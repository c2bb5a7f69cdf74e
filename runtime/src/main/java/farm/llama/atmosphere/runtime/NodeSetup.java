package farm.llama.atmosphere.runtime;

import farm.llama.atmosphere.runtime.config.ConfigKey;
import farm.llama.atmosphere.runtime.config.ConfigLoader;
import farm.llama.atmosphere.runtime.identity.AdminToken;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/** {@code atmosphere init}: creates the identity, a commented {@code config.yaml} and the admin token. */
public final class NodeSetup {

    private NodeSetup() {
    }

    /**
     * What {@code init} did.
     *
     * @param nodeId the node id
     * @param name the node's name
     * @param dataDir the data dir
     * @param identityFile the identity file
     * @param configFile the config file
     * @param configCreated whether {@code config.yaml} was written (an existing one is kept)
     * @param replaced whether an existing identity was replaced ({@code --force})
     */
    public record InitResult(String nodeId, String name, String dataDir, String identityFile, String configFile,
                             boolean configCreated, boolean replaced) {
    }

    /**
     * @param dataDir the data dir
     * @param name the node name, or empty for the host name
     * @param force replace an existing identity
     * @return what was done
     * @throws AtmosphereException if already initialised (without force), a node is serving, or a file cannot be written
     */
    public static InitResult init(DataDir dataDir, Optional<String> name, boolean force) {
        Path idFile = dataDir.identityFile();
        boolean exists = Files.exists(idFile);
        if (exists && !force) {
            String id;
            try {
                id = " as node " + Identity.load(idFile).nodeId();
            } catch (AtmosphereException e) {
                id = "";
            }
            throw new AtmosphereException(dataDir.path() + " is already initialised" + id
                    + ". Nothing was changed. Use 'atmosphere init --force' to replace the identity (the node id will change).");
        }
        String nodeName = name.filter(n -> !n.isBlank()).orElseGet(NodeSetup::hostName);
        if (nodeName.length() > 64 || nodeName.chars().anyMatch(Character::isISOControl)) {
            throw new AtmosphereException("The node name must be 1-64 printable characters, got '" + nodeName + "'.");
        }
        try {
            AtomicFiles.createPrivateDirectories(dataDir.path());
            ensureNotServing(dataDir);
            Identity identity = Identity.generate(nodeName);
            identity.save(idFile);
            boolean configCreated = false;
            if (!Files.exists(dataDir.configFile())) {
                AtomicFiles.writeString(dataDir.configFile(), template(), AtomicFiles.PRIVATE);
                configCreated = true;
            }
            AdminToken.loadOrCreate(dataDir.adminTokenFile());
            AtomicFiles.createPrivateDirectories(dataDir.pluginsDir());
            AtomicFiles.tighten(dataDir.path(), dataDir.groupReadable());
            return new InitResult(identity.nodeId(), nodeName, dataDir.path().toString(), idFile.toString(),
                    dataDir.configFile().toString(), configCreated, exists);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot initialise " + dataDir.path() + ": " + e.getMessage(), e);
        }
    }

    private static void ensureNotServing(DataDir dataDir) throws IOException {
        try (FileChannel ch = FileChannel.open(dataDir.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                throw new AtmosphereException("A node is serving " + dataDir.path() + ". Stop it before 'atmosphere init --force'.");
            }
            lock.release();
        }
    }

    private static String hostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h.contains(".") ? h.substring(0, h.indexOf('.')) : h;
        } catch (IOException e) {
            return "atmosphere";
        }
    }

    /** @return the commented {@code config.yaml} written by {@code init} */
    static String template() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Atmosphere node configuration.\n")
          .append("# Every key can be overridden by an environment variable: key a.b-c <-> ATMOSPHERE_A_B_C\n")
          .append("# (list values as JSON, e.g. ATMOSPHERE_API_ALLOWED_HOSTS='[\"mybox.lan\"]').\n")
          .append("# Durations are ISO-8601 (PT30S) or short (30s, 5m). Uncomment a line to change it.\n")
          .append("\n# the version of this file's layout (newer Atmosphere versions migrate older ones)\n")
          .append("format: ").append(ConfigLoader.FORMAT).append("\n");
        List<String> open = List.of();
        for (ConfigKey key : ConfigKey.ALL) {
            List<String> parts = List.of(key.name().split("\\."));
            if (!open.isEmpty() && !open.get(0).equals(parts.get(0))) {
                sb.append("\n");
            } else if (open.isEmpty()) {
                sb.append("\n");
            }
            int common = 0;
            while (common < open.size() && common < parts.size() - 1 && open.get(common).equals(parts.get(common))) {
                common++;
            }
            for (int i = common; i < parts.size() - 1; i++) {
                sb.append("# ").append("  ".repeat(i)).append(parts.get(i)).append(":\n");
            }
            String indent = "  ".repeat(parts.size() - 1);
            sb.append("# ").append(indent).append("# ").append(key.doc()).append(" [").append(key.envName()).append("]\n");
            sb.append("# ").append(indent).append(parts.get(parts.size() - 1)).append(": ")
              .append(render(key.defaultValue())).append("\n");
            open = parts.subList(0, parts.size() - 1);
        }
        return sb.toString();
    }

    private static String render(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof List<?> l) {
            return "[" + String.join(", ", l.stream().map(i -> "\"" + i + "\"").toList()) + "]";
        }
        return v.toString();
    }
}
