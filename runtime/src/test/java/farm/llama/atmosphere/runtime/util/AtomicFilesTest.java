package farm.llama.atmosphere.runtime.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void crashMidWriteLeavesTheOldContentAndNoDebris() throws Exception {
        Path target = dir.resolve("identity.json");
        AtomicFiles.writeString(target, "old secret", AtomicFiles.PRIVATE);
        IOException crash = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("half of the new con".getBytes(StandardCharsets.UTF_8));
            throw new IOException("simulated crash");
        }, AtomicFiles.PRIVATE));
        assertEquals("simulated crash", crash.getMessage());
        assertEquals("old secret", Files.readString(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "the temporary file must be removed");
        }
    }

    @Test
    void aKilledWriterLeavesOnlyAStrayTempFileThatReadersIgnore() throws Exception {
        // A process killed between writing the temp file and renaming it leaves the temp file behind.
        Path target = dir.resolve("config.json");
        AtomicFiles.writeString(target, "v1", AtomicFiles.PRIVATE);
        Files.writeString(dir.resolve(".config.json.123.tmp"), "v2 torn");
        assertEquals("v1", Files.readString(target));
        AtomicFiles.writeString(target, "v3", AtomicFiles.PRIVATE);
        assertEquals("v3", Files.readString(target));
    }

    @Test
    void privateFilesAre0600FromTheStart() throws Exception {
        Path target = dir.resolve("admin.token");
        AtomicFiles.write(target, out -> {
            // while the secret is being written, nobody else may read the temporary file
            try (Stream<Path> files = Files.list(dir)) {
                Path tmp = files.filter(p -> p.getFileName().toString().endsWith(".tmp")).findFirst().orElseThrow();
                FileModes.assertPrivate(tmp);
            }
            out.write(1);
        }, AtomicFiles.PRIVATE);
        FileModes.assertPrivate(target);
        assertTrue(Files.size(target) == 1);
    }

    /** On POSIX file systems modes 0700/0600; on Windows an access list naming the owner alone (the release workflow runs this there). */
    @Test
    void foldersAndFilesMadeHereAreTheOwnersAlone() throws Exception {
        Path nested = AtomicFiles.createPrivateDirectories(dir.resolve("data/mesh"));
        FileModes.assertPrivateDir(dir.resolve("data"));
        FileModes.assertPrivateDir(nested);
        FileModes.assertPrivate(AtomicFiles.createPrivateFile(dir.resolve("data/history")));
        Path key = nested.resolve("mesh-key.json");
        AtomicFiles.writeString(key, "{}", AtomicFiles.PRIVATE);
        FileModes.assertPrivate(key);
    }
}
