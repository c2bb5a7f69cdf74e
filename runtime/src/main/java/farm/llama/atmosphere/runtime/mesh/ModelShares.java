package farm.llama.atmosphere.runtime.mesh;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Which files this node hands to members that ask with {@code model pull}, and nothing else:
 *
 * <ul>
 *   <li>regular files whose real path (symbolic links and {@code ..} resolved) lies under a
 *       folder of {@code models.shared-dirs};</li>
 *   <li>the weights of a model a backend <em>on this machine</em> serves, when the backend names
 *       them: only a regular file in a {@code blobs/} folder named {@code sha256-<64 hex>} — and
 *       the file is served only if its content hashes to that name ({@link FileTransfer} checks
 *       it with the manifest);</li>
 *   <li>never a file inside this node's data folder, whatever the configuration says.</li>
 * </ul>
 *
 * The sharing policy (who may have which name) is applied by {@link FileTransfer}. Thread-safe.
 */
public final class ModelShares implements FileTransfer.Shares {

    /** How a content-addressed blob is named: the SHA-256 of its content. */
    static final Pattern BLOB = Pattern.compile("sha256-([0-9a-f]{64})");

    private final List<Path> dirs;
    private final Path dataDir;
    private final Function<String, Optional<Path>> backendFile;

    /**
     * @param dirs the folders of {@code models.shared-dirs}
     * @param dataDir this node's data folder: nothing in it is ever shared
     * @param backendFile where a backend on this machine says a model's weights lie (empty when it says nothing)
     */
    public ModelShares(List<Path> dirs, Path dataDir, Function<String, Optional<Path>> backendFile) {
        this.dirs = List.copyOf(dirs);
        this.dataDir = dataDir;
        this.backendFile = backendFile;
    }

    @Override
    public FileTransfer.Shared resolve(String name) {
        if (name.isBlank() || name.indexOf('\0') >= 0 || name.length() > 1024) {
            throw refused("not_shared", name);
        }
        Path data = real(dataDir).orElse(dataDir.toAbsolutePath().normalize());
        boolean inDataDir = false;
        for (Path dir : dirs) {
            Optional<Path> root = real(dir);
            if (root.isEmpty()) {
                continue;
            }
            Optional<Path> file;
            try {
                Path p = root.get().resolve(name).normalize();
                file = p.startsWith(root.get()) ? real(p) : Optional.empty();
            } catch (InvalidPathException e) {
                file = Optional.empty();
            }
            if (file.isEmpty() || !file.get().startsWith(root.get()) || !Files.isRegularFile(file.get())) {
                continue; // not there, or it climbs out of the folder (also through a link)
            }
            if (file.get().startsWith(data)) {
                inDataDir = true;
                continue;
            }
            return new FileTransfer.Shared(file.get(), "");
        }
        if (inDataDir) {
            throw dataDirRefusal(name);
        }
        Optional<Path> named = backendFile.apply(name);
        if (named.isPresent()) {
            Optional<Path> file = real(named.get());
            if (file.isPresent() && file.get().startsWith(data)) {
                throw dataDirRefusal(name);
            }
            var m = file.map(f -> BLOB.matcher(f.getFileName().toString())).orElse(null);
            if (file.isEmpty() || !m.matches() || file.get().getParent() == null || file.get().getParent().getFileName() == null
                    || !file.get().getParent().getFileName().toString().equals("blobs") || !Files.isRegularFile(file.get())) {
                throw new FileTransfer.Refused("not_a_blob", "the backend names " + named.get() + " as the weights of '" + name
                        + "', which is not a blob of its model store (a regular file blobs/sha256-<64 hex>); it is not shared.");
            }
            return new FileTransfer.Shared(file.get(), m.group(1));
        }
        throw refused("not_shared", name);
    }

    private static FileTransfer.Refused dataDirRefusal(String name) {
        return new FileTransfer.Refused("data_dir", "'" + name + "' lies in this node's data folder, which is never shared.");
    }

    private static FileTransfer.Refused refused(String reason, String name) {
        return new FileTransfer.Refused(reason, "'" + name + "' is not shared by this node: it shares the files under"
                + " models.shared-dirs in its config.yaml and the models its local Ollama serves, as its sharing policy allows.");
    }

    private static Optional<Path> real(Path p) {
        try {
            return Optional.of(p.toRealPath());
        } catch (IOException | InvalidPathException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * @param url a backend's address
     * @return whether it is on this machine: {@code localhost} or a loopback address literal (no name is looked up)
     */
    public static boolean onThisMachine(URI url) {
        String host = url.getHost();
        if (host == null) {
            return false;
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            return true;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return host.startsWith("127.");
        }
        return host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
    }
}
