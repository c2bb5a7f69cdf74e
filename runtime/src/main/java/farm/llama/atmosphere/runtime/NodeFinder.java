package farm.llama.atmosphere.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds the node that serves a data dir — the check the CLI makes before it sends the admin token,
 * and that {@code atmosphere health} reports: {@code node.json} names a live process, that process
 * holds the data dir's lock, and {@code /health} at the address it names answers with this data
 * dir's node id.
 */
public final class NodeFinder {

    /** How long {@code /health} may take to answer. */
    private static final Duration PROBE = Duration.ofSeconds(3);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(PROBE).build();

    private NodeFinder() {
    }

    /**
     * Whether this data dir's node serves, and if not, why not.
     *
     * @param serving whether the node of this data dir answers {@code /health} with its node id
     * @param line one line saying so: where it serves, or what is wrong
     * @param address where it serves, when it does
     */
    public record Health(boolean serving, String line, Optional<URI> address) {
        /** Validates. */
        public Health {
            Objects.requireNonNull(line, "line");
            Objects.requireNonNull(address, "address");
        }

        private static Health down(String why) {
            return new Health(false, why, Optional.empty());
        }
    }

    /**
     * Asks the node of a data dir whether it serves: its {@code node.json} must name a live process
     * that holds the data dir's lock, and {@code /health} at the address it names — asked without the
     * admin token — must answer with this data dir's node id (so a stale {@code node.json} whose port
     * another local user now listens on is not taken for this node).
     *
     * @param dataDir a data dir
     * @return what was found, in one line
     */
    public static Health health(DataDir dataDir) {
        Optional<JsonNode> node = readNodeFile(dataDir);
        if (node.isEmpty()) {
            return Health.down("no node serves " + dataDir.path() + " (no readable node.json: start one with 'atmosphere serve')");
        }
        long pid = node.get().path("pid").asLong(-1);
        if (pid <= 0 || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
            return Health.down("no node serves " + dataDir.path() + " (node.json names process " + pid + ", which is not running)");
        }
        URI base;
        try {
            base = URI.create(node.get().path("address").asText());
        } catch (IllegalArgumentException e) {
            return Health.down("no node serves " + dataDir.path() + " (node.json names no valid address)");
        }
        // the token goes only to the node serving this data dir: it holds the lock (a crashed node's lock is
        // released, so a stale node.json whose port another local user now listens on gets nothing) and
        // /health, asked without the token, names this data dir's node
        if (pid != ProcessHandle.current().pid() && !lockHeld(dataDir)) { // in this process, opening the lock file would release its lock
            return Health.down("no node serves " + dataDir.path() + " (process " + pid + " named by node.json does not hold node.lock)");
        }
        String expected = expectedNodeId(dataDir, node.get());
        try {
            // asked without the token, by a client that sends none
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/health")).timeout(PROBE).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return Health.down(base + "/health answered HTTP " + r.statusCode());
            }
            String answered = Json.parse(r.body()).path("nodeId").asText("");
            if (expected.isEmpty() || !expected.equals(answered)) {
                return Health.down(base + " answers as node " + (answered.isEmpty() ? "(none)" : answered) + ", not as this data dir's node "
                        + (expected.isEmpty() ? "(unknown)" : expected));
            }
            return new Health(true, "ok: node " + expected + " serves " + base + " (pid " + pid + ")", Optional.of(base));
        } catch (IOException | IllegalArgumentException e) {
            return Health.down(base + "/health did not answer: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down(base + "/health: interrupted");
        }
    }

    /**
     * @param dataDir a data dir
     * @return whether a process holds its {@code node.lock} (a node serves it)
     */
    static boolean lockHeld(DataDir dataDir) {
        if (!Files.exists(dataDir.lockFile())) {
            return false;
        }
        // read-only and shared: members of a system node's group may read its lock file, not write it
        try (FileChannel ch = FileChannel.open(dataDir.lockFile(), StandardOpenOption.READ)) {
            FileLock lock = ch.tryLock(0, Long.MAX_VALUE, true);
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // this process serves it
        } catch (IOException e) {
            return false; // cannot tell: the token is not sent
        }
    }

    /** @return the node id of the data dir's identity (or, where it cannot be read, the one its node.json names) */
    private static String expectedNodeId(DataDir dataDir, JsonNode nodeFile) {
        try {
            return Identity.load(dataDir.identityFile()).nodeId();
        } catch (RuntimeException e) {
            return nodeFile.path("nodeId").asText("");
        }
    }

    /**
     * @param dataDir a data dir
     * @return the content of its {@code node.json}, if present and readable
     */
    public static Optional<JsonNode> readNodeFile(DataDir dataDir) {
        try {
            return Optional.of(Json.parse(Files.readString(dataDir.nodeFile())));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
