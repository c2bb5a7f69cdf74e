package farm.llama.atmosphere.runtime.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes files so that a reader sees either the old content or the new, never a torn mix: the
 * bytes go to a temporary file in the same directory, which is forced to disk and then renamed
 * over the target. A crash at any point leaves the target as it was (and at most a stray
 * {@code .tmp} file, which readers ignore).
 */
public final class AtomicFiles {

    /** Owner read/write only. */
    public static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    /** Owner read/write, others read. */
    public static final Set<PosixFilePermission> SHARED = PosixFilePermissions.fromString("rw-r--r--");

    /** Writes the content of a file. */
    @FunctionalInterface
    public interface Writer {
        /**
         * @param out where to write; do not close it
         * @throws IOException on failure, which leaves the target untouched
         */
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * @param target the file to replace or create
     * @param text its new content, UTF-8
     * @param permissions its permissions (ignored on file systems without POSIX permissions)
     * @throws IOException on failure; the target is then unchanged
     */
    public static void writeString(Path target, String text, Set<PosixFilePermission> permissions) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes), permissions);
    }

    /**
     * @param target the file to replace or create
     * @param writer writes the new content
     * @param permissions its permissions; the temporary file has them from creation, so a
     *                    secret is never readable by others, even briefly
     * @throws IOException on failure; the target is then unchanged
     */
    public static void write(Path target, Writer writer, Set<PosixFilePermission> permissions) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", attrs);
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(channel)) {
                writer.write(out);
                out.flush();
                channel.force(true);
            }
            if (posix) {
                Files.setPosixFilePermissions(tmp, permissions);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }
}
