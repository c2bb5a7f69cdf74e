package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Model files copied between members over the mesh, in chunks. The serving side answers a
 * manifest (size, SHA-256 of every chunk and of the whole file) and then single chunks, only for
 * files it shares; the fetching side writes into {@code <name>.part}, checks every chunk against
 * the manifest before writing it, fetches a few chunks ahead, and on a later pull keeps every chunk
 * of the partial file that still matches — so an interrupted copy resumes, and a damaged chunk is
 * fetched again. The finished file is checked whole and moved into place atomically.
 */
public final class FileTransfer {

    private static final System.Logger LOG = System.getLogger(FileTransfer.class.getName());

    /** Bytes per chunk: one signed envelope each. */
    public static final int CHUNK = 1 << 20;
    private static final int WINDOW = 8;
    private static final int MAX_TRIES = 3;
    private static final Duration MANIFEST_WAIT = Duration.ofMinutes(10);
    private static final Duration CHUNK_WAIT = Duration.ofSeconds(60);

    /** Which files this node shares, by the name a member asks for. */
    public interface Shares {
        /**
         * @param name a name a member asked for
         * @return the file, when it is shared
         * @throws Refused when it is not, saying why
         */
        Shared resolve(String name);
    }

    /**
     * A shared file.
     *
     * @param file its real path
     * @param sha256 the SHA-256 its content must have (a content-addressed blob), or empty
     */
    public record Shared(Path file, String sha256) {
    }

    /** A name that is not shared: why, as a counter name ({@code not_shared}, {@code data_dir}, ...), and a message for the member. */
    public static final class Refused extends RuntimeException {
        private final String reason;

        /**
         * @param reason the counter it is counted under
         * @param message what the asking member is told
         */
        public Refused(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        /** @return the counter it is counted under */
        public String reason() {
            return reason;
        }
    }

    /** How far a pull got; {@code sha256} (of the whole file) is set once it is complete. */
    public record Progress(long bytes, long total, long present, long fetched, int badChunks, String sha256) {
        /** @return percent done, 0-100 */
        public int percent() {
            return total == 0 ? 100 : (int) (bytes * 100 / total);
        }
    }

    /** File requests of one member queued or served at once here; an honest pull keeps {@value #WINDOW} in flight. */
    static final int MAX_IN_FLIGHT = 2 * WINDOW;

    private final MeshForwarding.Sender sender;
    private volatile Shares shares = name -> {
        throw new Refused("not_shared", "'" + name + "' is not shared by this node: it shares no files.");
    };
    private volatile SharingPolicy policy;
    private final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Semaphore> serving = new ConcurrentHashMap<>();
    private final Map<String, LinkedBlockingQueue<Object>> pulls = new ConcurrentHashMap<>();
    private final Map<String, String> pullNode = new ConcurrentHashMap<>();
    private final ChunkHashes hashes = new ChunkHashes(CHUNK);
    private final AtomicLong servedBytes = new AtomicLong();
    private final AtomicLong servedChunks = new AtomicLong();
    private final AtomicLong manifestsServed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong badChunks = new AtomicLong();
    private final AtomicLong fetchedBytes = new AtomicLong();

    FileTransfer(MeshForwarding.Sender sender) {
        this.sender = sender;
    }

    void shares(Shares shares) {
        this.shares = shares;
    }

    void policy(SharingPolicy policy) {
        this.policy = policy;
    }

    /** @return whether this class handles the message type */
    static boolean handles(String type) {
        return type.startsWith("file.");
    }

    /**
     * @return bytes and chunks served, manifests served, requests refused (in all, and as
     *         {@code refused.<reason>}: {@code not_shared}, {@code policy}, {@code rate}, {@code data_dir},
     *         {@code not_a_blob}, {@code hash_mismatch}, {@code busy}), chunks received damaged, bytes fetched
     */
    Map<String, Long> stats() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("servedBytes", servedBytes.get());
        out.put("servedChunks", servedChunks.get());
        out.put("manifests", manifestsServed.get());
        out.put("refused", refused.get());
        new TreeMap<>(refusals).forEach((k, v) -> out.put("refused." + k, v.get()));
        out.put("fetchedBytes", fetchedBytes.get());
        out.put("badChunks", badChunks.get());
        return out;
    }

    private void count(String reason) {
        refused.incrementAndGet();
        refusals.computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet();
    }

    /** A member is gone: its pulls fail now. */
    void lost(String node) {
        pullNode.forEach((id, n) -> {
            if (n.equals(node)) {
                LinkedBlockingQueue<Object> q = pulls.get(id);
                if (q != null) {
                    q.add(new CallFailedException(FailureKind.UNREACHABLE, "member " + node + " left or died"));
                }
            }
        });
    }

    void message(String from, String type, byte[] payload) {
        try {
            switch (type) {
                case "file.chunk" -> {
                    ByteBuffer b = ByteBuffer.wrap(payload);
                    int headerLength = b.getInt();
                    JsonNode h = Json.parse(new String(payload, 4, headerLength, StandardCharsets.UTF_8));
                    deliver(from, h.path("id").asText(), new Chunk(h.path("index").asInt(), payload, 4 + headerLength));
                }
                case "file.info", "file.error" -> {
                    JsonNode m = Json.parse(new String(payload, StandardCharsets.UTF_8));
                    deliver(from, m.path("id").asText(), type.equals("file.info") ? m
                            : new CallFailedException(kind(m.path("kind").asText()), "member " + from + ": " + m.path("message").asText()));
                }
                case "file.manifest", "file.get" -> {
                    JsonNode m = Json.parse(new String(payload, StandardCharsets.UTF_8));
                    var queued = inFlight.computeIfAbsent(from, k -> new AtomicInteger());
                    if (queued.incrementAndGet() > MAX_IN_FLIGHT) {
                        // an honest member never has this many in flight: dropped (not answered) and counted
                        queued.decrementAndGet();
                        count("busy");
                        LOG.log(System.Logger.Level.DEBUG, () -> "dropped a '" + type + "' from " + from + ": " + MAX_IN_FLIGHT + " of its file requests are in flight");
                        return;
                    }
                    Thread.ofVirtual().name("mesh-file " + from).start(() -> {
                        var permits = serving.computeIfAbsent(from, k -> new Semaphore(concurrency(from)));
                        try {
                            permits.acquire();
                            try {
                                if (type.equals("file.manifest")) {
                                    serveManifest(from, m);
                                } else {
                                    serveChunk(from, m);
                                }
                            } finally {
                                permits.release();
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            queued.decrementAndGet();
                        }
                    });
                }
                default -> LOG.log(System.Logger.Level.DEBUG, () -> "ignored '" + type + "' from " + from);
            }
        } catch (IllegalArgumentException | IndexOutOfBoundsException | BufferUnderflowException e) {
            // a signed but malformed message from a member: dropped, like any other malformed message
            LOG.log(System.Logger.Level.WARNING, () -> "dropped a malformed '" + type + "' from member " + from + ": " + e.getMessage());
        }
    }

    private record Chunk(int index, byte[] frame, int offset) {
    }

    private void deliver(String from, String id, Object item) {
        LinkedBlockingQueue<Object> q = pulls.get(id);
        if (q != null && from.equals(pullNode.get(id))) {
            q.add(item);
        }
    }

    private static FailureKind kind(String name) {
        try {
            return FailureKind.valueOf(name);
        } catch (IllegalArgumentException e) {
            return FailureKind.INTERNAL;
        }
    }

    // ---- the serving side ----

    /** Files resolved for a pull (member/pull id/name), so a chunk request does not ask the backend again. */
    private final Map<String, Shared> resolved = new ConcurrentHashMap<>();

    private int concurrency(String from) {
        SharingPolicy p = policy;
        return p == null ? 4 : p.concurrency(from);
    }

    /** The file a member may have under a name: the sharing policy, then where it lies, then (for a blob) its content. */
    private Shared sharedFile(String from, String id, String name) throws IOException {
        SharingPolicy p = policy;
        Optional<String> denied = p == null ? Optional.empty() : p.allows(from, name);
        if (denied.isPresent()) {
            throw new Refused("policy", denied.get());
        }
        String key = from + "/" + id + "/" + name;
        Shared known = resolved.get(key);
        if (known == null) {
            known = shares.resolve(name);
            if (resolved.size() > 1000) {
                resolved.clear(); // bounded: a later chunk request just resolves again
            }
            resolved.put(key, known);
        }
        if (!known.sha256().isEmpty() && !hashes.manifest(known.file()).sha256().equals(known.sha256())) {
            resolved.remove(key);
            throw new Refused("hash_mismatch", "'" + name + "' is not shared: its file " + known.file().getFileName()
                    + " does not hash to the SHA-256 its name says, so it is not the blob it claims to be.");
        }
        return known;
    }

    private void serveManifest(String from, JsonNode m) {
        String id = m.path("id").asText();
        String name = m.path("name").asText();
        try {
            Shared shared = sharedFile(from, id, name);
            SharingPolicy p = policy;
            Optional<String> busy = p == null ? Optional.empty() : p.admit(from, name);
            if (busy.isPresent()) {
                count("rate");
                error(from, id, FailureKind.OVERLOADED.name(), busy.get());
                return;
            }
            ChunkHashes.Manifest man;
            try {
                man = hashes.manifest(shared.file());
            } finally {
                if (p != null) {
                    p.done(from);
                }
            }
            manifestsServed.incrementAndGet();
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("id", id);
            out.put("size", man.size());
            out.put("chunkSize", man.chunkSize());
            out.put("sha256", man.sha256());
            out.set("chunks", Json.MAPPER.valueToTree(man.chunks()));
            sender.send(from, "file.info", Json.write(out).getBytes(StandardCharsets.UTF_8));
        } catch (Refused e) {
            refuse(from, id, name, e);
        } catch (CallFailedException e) {
            error(from, id, e.kind().name(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            error(from, id, FailureKind.INTERNAL.name(), "cannot read the file: " + e.getMessage());
        }
    }

    private void refuse(String from, String id, String name, Refused e) {
        count(e.reason());
        LOG.log(System.Logger.Level.INFO, () -> "refused '" + name + "' to member " + from + " (" + e.reason() + "): " + e.getMessage());
        error(from, id, FailureKind.REFUSED.name(), e.getMessage());
    }

    private void serveChunk(String from, JsonNode m) {
        String id = m.path("id").asText();
        String name = m.path("name").asText();
        try {
            Path file = sharedFile(from, id, name).file();
            long size = Files.size(file);
            long index = m.path("index").asLong(-1);
            if (index < 0 || index * CHUNK >= Math.max(1, size)) {
                throw new CallFailedException(FailureKind.INVALID_REQUEST, "no chunk " + index + " in a file of " + size + " bytes");
            }
            int length = (int) Math.min(CHUNK, size - index * CHUNK);
            byte[] header = Json.write(Map.of("id", id, "index", index)).getBytes(StandardCharsets.UTF_8);
            ByteBuffer frame = ByteBuffer.allocate(4 + header.length + length);
            frame.putInt(header.length).put(header);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long pos = index * CHUNK;
                while (frame.hasRemaining()) {
                    int n = ch.read(frame, pos);
                    if (n < 0) {
                        throw new IOException("the file shrank while it was read");
                    }
                    pos += n;
                }
            }
            sender.send(from, "file.chunk", frame.array());
            servedBytes.addAndGet(length);
            servedChunks.incrementAndGet();
        } catch (Refused e) {
            refuse(from, id, name, e);
        } catch (CallFailedException e) {
            error(from, id, e.kind().name(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            error(from, id, FailureKind.INTERNAL.name(), "cannot read the file: " + e.getMessage());
        }
    }

    private void error(String to, String id, String kind, String message) {
        ObjectNode err = Json.MAPPER.createObjectNode();
        err.put("id", id);
        err.put("kind", kind);
        err.put("message", message);
        try {
            sender.send(to, "file.error", Json.write(err).getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "could not tell " + to + " of an error: " + e.getMessage());
        }
    }

    // ---- the fetching side ----

    /**
     * Copies a shared file from a member into a folder, resuming a partial copy.
     *
     * @param node the member
     * @param name the name the member shares it under
     * @param target where the finished file goes (its {@code .part} lies next to it meanwhile)
     * @param maxBytesPerSecond pace of the copy, 0 for as fast as the link goes
     * @param progress told as chunks arrive
     * @return the progress at the end
     * @throws CallFailedException REFUSED when the member does not share it, UNREACHABLE, TIMEOUT,
     *         BAD_RESPONSE when a chunk stays damaged or the whole file does not match
     */
    public Progress pull(String node, String name, Path target, long maxBytesPerSecond, Consumer<Progress> progress) {
        String id = UUID.randomUUID().toString();
        LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        pulls.put(id, queue);
        pullNode.put(id, node);
        try {
            sender.send(node, "file.manifest", Json.write(Map.of("id", id, "name", name)).getBytes(StandardCharsets.UTF_8));
            JsonNode info = (JsonNode) next(queue, MANIFEST_WAIT, node);
            long size = info.path("size").asLong();
            int chunkSize = info.path("chunkSize").asInt();
            if (chunkSize != CHUNK) {
                throw new CallFailedException(FailureKind.BAD_RESPONSE, "member " + node + " uses chunks of " + chunkSize + " bytes; this node expects " + CHUNK);
            }
            List<String> hashes = new ArrayList<>();
            info.path("chunks").forEach(h -> hashes.add(h.asText()));
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path part = target.resolveSibling(target.getFileName() + ".part");
            try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ArrayDeque<Integer> missing = new ArrayDeque<>();
                long present = 0;
                for (int i = 0; i < hashes.size(); i++) {
                    long start = (long) i * CHUNK;
                    int length = (int) Math.min(CHUNK, size - start);
                    if (ch.size() >= start + length && hashes.get(i).equals(ChunkHashes.hashOf(ch, start, length))) {
                        present += length;
                    } else {
                        missing.add(i);
                    }
                }
                long done = present;
                long fetched = 0;
                int bad = 0;
                progress.accept(new Progress(done, size, present, 0, 0, ""));
                Map<Integer, Integer> tries = new HashMap<>();
                int inFlight = 0;
                long started = System.nanoTime();
                while (!missing.isEmpty() || inFlight > 0) {
                    while (inFlight < WINDOW && !missing.isEmpty()) {
                        int i = missing.poll();
                        sender.send(node, "file.get", Json.write(Map.of("id", id, "name", name, "index", i)).getBytes(StandardCharsets.UTF_8));
                        inFlight++;
                    }
                    Chunk c = (Chunk) next(queue, CHUNK_WAIT, node);
                    inFlight--;
                    long start = (long) c.index() * CHUNK;
                    int length = c.frame().length - c.offset();
                    if (c.index() < 0 || c.index() >= hashes.size() || length != Math.min(CHUNK, size - start)) {
                        throw new CallFailedException(FailureKind.BAD_RESPONSE, "member " + node + " sent a chunk that is not in the manifest");
                    }
                    MessageDigest d = ChunkHashes.sha256();
                    d.update(c.frame(), c.offset(), length);
                    if (!HexFormat.of().formatHex(d.digest()).equals(hashes.get(c.index()))) {
                        bad++;
                        badChunks.incrementAndGet();
                        int t = tries.merge(c.index(), 1, Integer::sum);
                        if (t >= MAX_TRIES) {
                            throw new CallFailedException(FailureKind.BAD_RESPONSE, "chunk " + c.index() + " from member " + node
                                    + " failed its SHA-256 check " + t + " times; the copy stopped (the partial file is kept)");
                        }
                        missing.addFirst(c.index());
                        continue;
                    }
                    ByteBuffer data = ByteBuffer.wrap(c.frame(), c.offset(), length);
                    long pos = start;
                    while (data.hasRemaining()) {
                        pos += ch.write(data, pos);
                    }
                    done += length;
                    fetched += length;
                    fetchedBytes.addAndGet(length);
                    progress.accept(new Progress(done, size, present, fetched, bad, ""));
                    if (maxBytesPerSecond > 0) {
                        long due = started + fetched * 1_000_000_000L / maxBytesPerSecond;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                    }
                }
                ch.truncate(size);
                String whole = ChunkHashes.hashOf(ch, 0, size);
                if (!whole.equals(info.path("sha256").asText())) {
                    throw new CallFailedException(FailureKind.BAD_RESPONSE, "the copy of '" + name + "' does not match the member's SHA-256;"
                            + " the member's file may have changed during the copy. Pull it again.");
                }
                ch.force(true);
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return new Progress(size, size, present, fetched, bad, whole);
            }
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.INTERNAL, "cannot write " + target + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.CANCELLED, "the copy was interrupted; pulling again resumes it");
        } finally {
            pulls.remove(id);
            pullNode.remove(id);
        }
    }

    private static Object next(LinkedBlockingQueue<Object> queue, Duration wait, String node) throws InterruptedException {
        Object o = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (o == null) {
            throw new CallFailedException(FailureKind.TIMEOUT, "member " + node + " did not answer within " + wait.toSeconds() + " s");
        }
        if (o instanceof CallFailedException e) {
            throw e;
        }
        return o;
    }
}
