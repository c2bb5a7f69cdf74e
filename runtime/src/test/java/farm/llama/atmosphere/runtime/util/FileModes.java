package farm.llama.atmosphere.runtime.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** What "only its owner may read it" means on this file system: mode 0600/0700 with POSIX permissions, one owner entry with access control lists (Windows). */
public final class FileModes {

    private FileModes() {
    }

    /** @return whether files here have POSIX permissions (tests that set modes run only there) */
    public static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /** Asserts that only the owner may read or write a file. */
    public static void assertPrivate(Path file) throws IOException {
        assertOwnerOnly(file, "rw-------");
    }

    /** Asserts that only the owner may enter or list a folder. */
    public static void assertPrivateDir(Path dir) throws IOException {
        assertOwnerOnly(dir, "rwx------");
    }

    private static void assertOwnerOnly(Path p, String mode) throws IOException {
        if (posix()) {
            assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)), p.toString());
            return;
        }
        AclFileAttributeView acl = Files.getFileAttributeView(p, AclFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (acl == null) {
            throw new AssertionError("this file system has neither POSIX permissions nor access control lists: " + p);
        }
        List<String> others = acl.getAcl().stream()
                .filter(e -> e.type() == AclEntryType.ALLOW && !e.principal().equals(ownerOf(acl)))
                .map(AclEntry::toString)
                .toList();
        assertEquals(List.of(), others, "nobody but the owner may access " + p);
    }

    private static Object ownerOf(AclFileAttributeView acl) {
        try {
            return acl.getOwner();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
