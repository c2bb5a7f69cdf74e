package farm.llama.atmosphere.plugin.router.semantic;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The curated examples' vectors on disk, so a model embedder embeds them once, not at every
 * start: {@code examples-<digest>.vec} in the router's data folder, where the digest covers the
 * embedder's id, its dimensions and every example, so any change makes a new file. A file that
 * cannot be read is ignored (and the examples embedded again); it is written to a temporary file
 * and moved into place.
 */
final class ExampleCache {

    private static final int MAGIC = 0x41544558; // "ATEX"

    private ExampleCache() {
    }

    static Path file(Path dir, String embedderId, int dimensions, List<String> texts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((embedderId + "\n" + dimensions + "\n").getBytes(StandardCharsets.UTF_8));
            for (String t : texts) {
                md.update(t.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return dir.resolve("examples-" + HexFormat.of().formatHex(md.digest(), 0, 8) + ".vec");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Optional<List<float[]>> read(Path file, int count, int dimensions) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (InputStream raw = Files.newInputStream(file)) {
            return read(raw, count, dimensions);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static Optional<List<float[]>> read(InputStream raw, int count, int dimensions) {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            if (in.readInt() != MAGIC || in.readInt() != count || in.readInt() != dimensions) {
                return Optional.empty();
            }
            List<float[]> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                float[] v = new float[dimensions];
                for (int d = 0; d < dimensions; d++) {
                    v[d] = in.readFloat();
                }
                out.add(v);
            }
            return Optional.of(out);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static void write(Path file, List<float[]> vectors, int dimensions) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream raw = Files.newOutputStream(tmp);
             DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(raw))) {
            out.writeInt(MAGIC);
            out.writeInt(vectors.size());
            out.writeInt(dimensions);
            for (float[] v : vectors) {
                for (float x : v) {
                    out.writeFloat(x);
                }
            }
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
