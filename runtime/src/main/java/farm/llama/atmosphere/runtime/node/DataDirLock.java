package farm.llama.atmosphere.runtime.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeFinder;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;

/**
 * A serving node's hold on its data dir: the lock on {@code node.lock} (one node per data dir), the
 * modes tightened once it is held, and {@code node.json} saying where it serves. {@link #close()}
 * removes {@code node.json} if it still names this process and releases the lock.
 */
public final class DataDirLock implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DataDirLock.class.getName());

    private final DataDir dataDir;
    private FileChannel channel;
    private FileLock lock;

    private DataDirLock(DataDir dataDir, FileChannel channel, FileLock lock) {
        this.dataDir = dataDir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks the data dir and makes its files private (or group-readable, for a system node).
     *
     * @param dataDir the data dir
     * @return the held lock
     * @throws AtmosphereException if another node serves it (naming its pid and address) or the lock file cannot be opened
     */
    public static DataDirLock acquire(DataDir dataDir) {
        FileChannel channel;
        FileLock lock;
        try {
            AtomicFiles.createPrivateDirectories(dataDir.path());
            channel = FileChannel.open(dataDir.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
        } catch (IOException e) {
            throw new AtmosphereException("Cannot lock " + dataDir.lockFile() + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
            String who = NodeFinder.readNodeFile(dataDir)
                    .map(n -> " (pid " + n.path("pid").asText() + " at " + n.path("address").asText() + ")")
                    .orElse("");
            throw new AtmosphereException("Another Atmosphere node is already serving " + dataDir.path() + who
                    + ". Stop it first, or give this node its own data dir with --data-dir or ATMOSPHERE_DATA_DIR.");
        }
        try {
            int changed = AtomicFiles.tighten(dataDir.path(), dataDir.groupReadable());
            if (changed > 0) {
                LOG.log(System.Logger.Level.INFO, () -> "made " + changed + " files and folders in " + dataDir.path()
                        + " private to this user (folders 0700, files 0600)");
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "cannot make " + dataDir.path() + " private to this user: " + e.getMessage());
        }
        return new DataDirLock(dataDir, channel, lock);
    }

    /**
     * Writes {@code node.json}: this process, where it serves, and since when.
     *
     * @param address the API's base address
     * @param nodeId the node id
     * @param startedAt when the node started
     */
    public void writeNodeFile(URI address, String nodeId, Instant startedAt) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("format", 1);
        json.put("pid", ProcessHandle.current().pid());
        json.put("address", address.toString());
        json.put("nodeId", nodeId);
        json.put("version", Atmosphere.version());
        json.put("startedAt", startedAt.toString());
        try {
            AtomicFiles.writeString(dataDir.nodeFile(), Json.pretty(json) + "\n",
                    dataDir.groupReadable().contains("node.json") ? AtomicFiles.GROUP_READ : AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot write " + dataDir.nodeFile() + ": " + e.getMessage(), e);
        }
    }

    /** Removes {@code node.json} if it names this process (a clean stop). */
    public void removeNodeFile() {
        try {
            Optional<JsonNode> mine = NodeFinder.readNodeFile(dataDir).filter(n -> n.path("pid").asLong() == ProcessHandle.current().pid());
            if (mine.isPresent()) {
                Files.deleteIfExists(dataDir.nodeFile());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "Cannot remove " + dataDir.nodeFile() + ": " + e.getMessage());
        }
    }

    /** Releases the lock (idempotent). */
    @Override
    public synchronized void close() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "releasing lock: " + e.getMessage());
        }
        lock = null;
        channel = null;
    }
}
