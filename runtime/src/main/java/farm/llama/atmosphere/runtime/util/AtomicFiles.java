package farm.llama.atmosphere.runtime.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryFlag;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Writes files so that a reader sees either the old content or the new, never a torn mix: the
 * bytes go to a temporary file in the same directory, which is forced to disk and then renamed
 * over the target. A crash at any point leaves the target as it was (and at most a stray
 * {@code .tmp} file, which readers ignore).
 *
 * <p>Where the file system has POSIX permissions, files and folders get the modes below. Where it
 * has access control lists instead (Windows, NTFS), a file or folder that would be 0600 or 0700
 * gets a list with one entry, its owner with full control (folders pass it on to what they
 * hold): nobody else, not even another account of the machine's users group, may read it.
 */
public final class AtomicFiles {

    /** Owner read/write only: every file in a data dir. */
    public static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    /** Owner only: every folder in a data dir. */
    public static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    /** Owner read/write, group read: the few files of a system node its group may read. */
    public static final Set<PosixFilePermission> GROUP_READ = PosixFilePermissions.fromString("rw-r-----");
    /** Owner all, group enter and list: the folders of a system node. */
    public static final Set<PosixFilePermission> GROUP_DIR = PosixFilePermissions.fromString("rwxr-x---");

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
        createPrivateDirectories(dir);
        boolean posix = posix();
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", attrs);
        try {
            if (!posix) {
                ownerOnly(tmp, false); // before a byte of the secret is in it
            }
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

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Where there are no POSIX permissions but access control lists (Windows): leaves the owner
     * alone with full control of a file or folder (a folder passes the entry on to what it holds),
     * the equivalent of 0600 and 0700. Does nothing on a file system with neither.
     *
     * @param p the file or folder
     * @param dir whether it is a folder
     * @throws IOException on failure
     */
    static void ownerOnly(Path p, boolean dir) throws IOException {
        AclFileAttributeView acl = Files.getFileAttributeView(p, AclFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (acl == null) {
            return;
        }
        AclEntry.Builder owner = AclEntry.newBuilder()
                .setType(AclEntryType.ALLOW)
                .setPrincipal(acl.getOwner())
                .setPermissions(EnumSet.allOf(AclEntryPermission.class));
        if (dir) {
            owner.setFlags(AclEntryFlag.FILE_INHERIT, AclEntryFlag.DIRECTORY_INHERIT);
        }
        acl.setAcl(List.of(owner.build()));
    }

    /**
     * Creates a folder and its missing parents readable by the owner only (0700). Folders that
     * exist are left as they are ({@link #tighten} fixes a whole data dir).
     *
     * @param dir the folder
     * @return the folder
     * @throws IOException on failure
     */
    public static Path createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        if (posix()) {
            return Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
        }
        Path missing = dir.toAbsolutePath();
        while (missing.getParent() != null && !Files.isDirectory(missing.getParent())) {
            missing = missing.getParent();
        }
        Files.createDirectories(dir);
        for (Path p = dir.toAbsolutePath(); p != null && p.startsWith(missing); p = p.getParent()) {
            ownerOnly(p, true); // only the folders made here: never one the user had before
        }
        return dir;
    }

    /**
     * Creates an empty file readable by the owner only (0600) if it is missing, or makes an
     * existing one so (for files another library writes, such as the shell's history).
     *
     * @param file the file
     * @return the file
     * @throws IOException on failure
     */
    public static Path createPrivateFile(Path file) throws IOException {
        createPrivateDirectories(file.toAbsolutePath().getParent());
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (posix()) {
                    return Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE));
                }
                Files.createFile(file);
            } catch (FileAlreadyExistsException e) {
                // created meanwhile: made private below
            }
        }
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            if (posix()) {
                Files.setPosixFilePermissions(file, PRIVATE);
            } else {
                ownerOnly(file, false);
            }
        }
        return file;
    }

    /**
     * Makes every folder under a root (itself included) 0700 and every file 0600 where group or
     * others had any access; symbolic links are neither followed nor changed. Migrates data dirs
     * written by versions that made them 0755/0644.
     *
     * @param root the data dir
     * @return how many entries were changed
     * @throws IOException on failure
     */
    public static int tighten(Path root) throws IOException {
        return tighten(root, Set.of());
    }

    /**
     * As {@link #tighten(Path)}, for a data dir its group may partly read (a system node's):
     * folders 0750, the named files 0640, every other file 0600, nothing for others.
     *
     * @param root the data dir
     * @param groupReadable names of files directly in it that its group may read; empty for a private data dir
     * @return how many entries were changed
     * @throws IOException on failure
     */
    public static int tighten(Path root, Set<String> groupReadable) throws IOException {
        if (!posix() || !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        boolean shared = !groupReadable.isEmpty();
        int[] changed = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                restrict(dir, shared ? GROUP_DIR : PRIVATE_DIR);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    boolean readable = file.getParent().equals(root) && groupReadable.contains(file.getFileName().toString());
                    restrict(file, readable ? GROUP_READ : PRIVATE);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // vanished meanwhile, or not ours to read
            }

            private void restrict(Path p, Set<PosixFilePermission> wanted) throws IOException {
                Set<PosixFilePermission> now = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                EnumSet<PosixFilePermission> extra = EnumSet.noneOf(PosixFilePermission.class);
                extra.addAll(now);
                extra.removeAll(wanted);
                extra.remove(PosixFilePermission.OWNER_EXECUTE);
                boolean missing = !now.containsAll(wanted.stream().filter(x -> x.name().startsWith("GROUP_")).toList());
                if (!extra.isEmpty() || missing) {
                    EnumSet<PosixFilePermission> keep = EnumSet.copyOf(wanted);
                    if (now.contains(PosixFilePermission.OWNER_EXECUTE)) {
                        keep.add(PosixFilePermission.OWNER_EXECUTE); // a script stays runnable
                    }
                    Files.setPosixFilePermissions(p, keep);
                    changed[0]++;
                }
            }
        });
        return changed[0];
    }
}
