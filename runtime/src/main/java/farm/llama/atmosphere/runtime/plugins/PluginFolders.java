package farm.llama.atmosphere.runtime.plugins;

import farm.llama.atmosphere.runtime.util.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.pf4j.PluginRepository;

/**
 * Lists plugins in the plugin folders: jars, exploded directories, and zips — which are unpacked
 * under the data dir's {@code plugin-state/unpacked/}, never beside the zip, so the image folder
 * can be read-only. A zip that cannot be unpacked is reported and skipped.
 */
final class PluginFolders implements PluginRepository {

    private static final System.Logger LOG = System.getLogger(PluginFolders.class.getName());

    private final List<Path> roots;
    private final Path unpackDir;
    private final PluginHost.FailureSink failures;

    PluginFolders(List<Path> roots, Path stateDir, PluginHost.FailureSink failures) {
        this.roots = List.copyOf(roots);
        this.unpackDir = stateDir.resolve("unpacked");
        this.failures = failures;
    }

    @Override
    public List<Path> getPluginPaths() {
        List<Path> out = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> entries = Files.list(root)) {
                for (Path p : entries.sorted(Comparator.comparing(Path::toString)).toList()) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(".")) {
                        continue;
                    }
                    if (Files.isDirectory(p)) {
                        out.add(p);
                    } else if (name.endsWith(".jar")) {
                        out.add(p);
                    } else if (name.endsWith(".zip")) {
                        try {
                            out.add(unpack(p));
                        } catch (IOException | RuntimeException e) {
                            failures.failed(p, "cannot unpack plugin zip: " + PluginHost.oneLine(e));
                        }
                    }
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, () -> "Cannot list plugin folder " + root + ": " + e.getMessage());
            }
        }
        return out;
    }

    private Path unpack(Path zip) throws IOException {
        String base = zip.getFileName().toString().replaceFirst("\\.zip$", "");
        Path target = unpackDir.resolve(base);
        FileTime zipTime = Files.getLastModifiedTime(zip);
        Path stamp = target.resolve(".unpacked-from");
        if (Files.exists(stamp) && Files.readString(stamp).equals(zip.toAbsolutePath() + "@" + zipTime.toMillis())) {
            return target;
        }
        Path tmp = AtomicFiles.createPrivateDirectories(unpackDir).resolve("." + base + ".tmp");
        deleteTree(tmp);
        try (ZipFile file = new ZipFile(zip.toFile())) {
            for (ZipEntry entry : file.stream().toList()) {
                Path out = tmp.resolve(entry.getName()).normalize();
                if (!out.startsWith(tmp)) {
                    throw new IOException("entry escapes the plugin folder: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    try (InputStream in = file.getInputStream(entry)) {
                        Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        Files.writeString(tmp.resolve(".unpacked-from"), zip.toAbsolutePath() + "@" + zipTime.toMillis());
        deleteTree(target);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    public boolean deletePluginPath(Path pluginPath) {
        return false;
    }
}
