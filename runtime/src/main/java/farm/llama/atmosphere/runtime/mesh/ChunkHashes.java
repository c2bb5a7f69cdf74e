package farm.llama.atmosphere.runtime.mesh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 of files, whole and chunk by chunk, for {@link FileTransfer}: the manifest a serving
 * node sends (cached while a file's size and modification time stay the same) and the hashes a
 * fetching node checks its partial copy against. Thread-safe.
 */
final class ChunkHashes {

    /**
     * A file's hashes.
     *
     * @param size its size
     * @param modified its modification time, ms
     * @param chunkSize bytes per chunk
     * @param chunks SHA-256 of every chunk, hex
     * @param sha256 SHA-256 of the whole file, hex
     */
    record Manifest(long size, long modified, int chunkSize, List<String> chunks, String sha256) {
    }

    private final int chunk;
    private final Map<Path, Manifest> manifests = new ConcurrentHashMap<>();

    /** @param chunk bytes per chunk */
    ChunkHashes(int chunk) {
        this.chunk = chunk;
    }

    /** Hashes a file chunk by chunk; cached while its size and modification time stay the same. */
    Manifest manifest(Path file) throws IOException {
        long size = Files.size(file);
        long modified = Files.getLastModifiedTime(file).toMillis();
        Manifest cached = manifests.get(file);
        if (cached != null && cached.size() == size && cached.modified() == modified) {
            return cached;
        }
        MessageDigest whole = sha256();
        List<String> chunks = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(chunk);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long pos = 0; pos < size; pos += chunk) {
                buf.clear();
                buf.limit((int) Math.min(chunk, size - pos));
                long at = pos;
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, at);
                    if (n < 0) {
                        throw new IOException("the file shrank while it was hashed");
                    }
                    at += n;
                }
                buf.flip();
                MessageDigest d = sha256();
                d.update(buf.duplicate());
                whole.update(buf);
                chunks.add(HexFormat.of().formatHex(d.digest()));
            }
        }
        Manifest m = new Manifest(size, modified, chunk, List.copyOf(chunks), HexFormat.of().formatHex(whole.digest()));
        manifests.put(file, m);
        return m;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the SHA-256 of a part of a file, hex */
    static String hashOf(FileChannel ch, long start, long length) throws IOException {
        MessageDigest d = sha256();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(FileTransfer.CHUNK, Math.max(1, length)));
        long pos = start;
        long end = start + length;
        while (pos < end) {
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), end - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                break;
            }
            buf.flip();
            d.update(buf);
            pos += n;
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
