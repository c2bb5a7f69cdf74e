package farm.llama.atmosphere.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data dir is this user's alone: folders 0700, files 0600, also when an older version left them
 * open. POSIX modes only (Windows: {@code AtomicFilesTest} checks the owner-only access lists).
 */
@EnabledIf("farm.llama.atmosphere.runtime.util.FileModes#posix")
class DataDirPermissionsTest {

    @TempDir
    Path dir;

    /** @return every entry under the root whose mode is not 0700 (folders) or 0600 (files) */
    private static List<String> open(Path root) throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                String wanted = Files.isDirectory(p) ? "rwx------" : "rw-------";
                if (!mode.equals(wanted)) {
                    out.add(root.relativize(p) + " " + mode);
                }
            }
        }
        return out;
    }

    @Test
    void everythingANodeWritesIsPrivateAndAnOldOpenDataDirIsClosedAtStart() throws Exception {
        DataDir data = new DataDir(dir.resolve("data"));
        NodeSetup.init(data, Optional.of("laptop"), false);
        assertEquals(List.of(), open(data.path()), "after init");

        // as an older version left it: a world-readable config (it may hold API keys) and folder, a readable history
        Files.setPosixFilePermissions(data.configFile(), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(data.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(data.historyFile(), "mesh join atmosphere://join/secret\n");
        Files.setPosixFilePermissions(data.historyFile(), PosixFilePermissions.fromString("rw-r--r--"));
        Path script = Files.createDirectories(data.pluginsDir().resolve("tool"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(script.resolve("run.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(script.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path outside = Files.writeString(dir.resolve("elsewhere.txt"), "not ours");
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createSymbolicLink(data.path().resolve("link"), outside);

        try (Node node = Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.empty())) {
            node.serve("127.0.0.1", 0);
            node.meshCreate("home");
            node.meshInvite(java.time.Duration.ofMinutes(5), 1);
            List<String> stillOpen = open(data.path());
            stillOpen.removeIf(e -> e.startsWith("plugins/tool/run.sh rwx------"));
            assertEquals(List.of(), stillOpen, "after a start, a mesh and an invite");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(script.resolve("run.sh"))),
                    "a script stays runnable by its owner");
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(outside)), "a link is not followed");
            assertTrue(Files.exists(data.path().resolve("mesh/mesh-key.json")));
        }
    }

    @Test
    void theCliFindsTheUsersNodeElseTheSystemNodeElseTheUsersDataDirToBe() throws Exception {
        Path user = dir.resolve("home/.atmosphere");
        Path system = dir.resolve("var/lib/atmosphere");
        assertEquals(user, DataDir.resolve(Optional.empty(), Map.of(), user, system).path(), "nothing anywhere: the user's, for init");
        assertEquals("No node is initialised in " + user + ". Run 'atmosphere init' first.", new DataDir(user).noNodeMessage(system),
                "no system node: nothing about groups (DebIT has a user the system node's data dir shuts out)");
        NodeSetup.init(new DataDir(system), Optional.of("server"), false);
        assertEquals(system, DataDir.resolve(Optional.empty(), Map.of(), user, system).path(), "only a system node");
        NodeSetup.init(new DataDir(user), Optional.of("laptop"), false);
        assertEquals(user, DataDir.resolve(Optional.empty(), Map.of(), user, system).path(), "the user's own node first");
        assertEquals(system, DataDir.resolve(Optional.empty(), Map.of("ATMOSPHERE_DATA_DIR", system.toString()), user, system).path());
        assertEquals(dir.resolve("x"), DataDir.resolve(Optional.of(dir.resolve("x")), Map.of("ATMOSPHERE_DATA_DIR", system.toString()),
                user, system).path());
    }

    @Test
    void aSystemNodesGroupMayReadItsTokenAddressAndLockAndNothingElse() throws Exception {
        DataDir data = new DataDir(dir.resolve("system"));
        NodeSetup.init(data, Optional.of("server"), false);
        Files.writeString(data.nodeFile(), "{}");
        Files.writeString(data.lockFile(), "");
        AtomicFiles.tighten(data.path(), DataDir.resolve(Optional.of(DataDir.SYSTEM), Map.of()).groupReadable());
        Map<String, String> modes = new java.util.TreeMap<>();
        try (Stream<Path> all = Files.walk(data.path())) {
            for (Path p : all.toList()) {
                modes.put(data.path().relativize(p).toString(), PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
            }
        }
        assertEquals("rwxr-x---", modes.get(""), modes.toString());
        for (String readable : List.of("admin.token", "node.json", "node.lock")) {
            assertEquals("rw-r-----", modes.get(readable), readable + " in " + modes);
        }
        for (String secret : List.of("identity.json", "config.yaml")) {
            assertEquals("rw-------", modes.get(secret), secret + " in " + modes);
        }
        assertEquals(java.util.Set.of(), new DataDir(dir.resolve("home/.atmosphere")).groupReadable(), "a user's data dir shares nothing");
    }

    @Test
    void aFileAnotherLibraryWritesIsCreatedPrivate() throws Exception {
        Path history = AtomicFiles.createPrivateFile(dir.resolve("new/history"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(history)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(history.getParent())));
        Files.setPosixFilePermissions(history, PosixFilePermissions.fromString("rw-rw-rw-"));
        AtomicFiles.createPrivateFile(history);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(history)));
    }
}
