package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed in the middle of a mesh state change comes back whole: each file is replaced
 * atomically, {@code mesh.json} is written last on the way in and removed first on the way out,
 * and a damaged member list costs the list, not the node.
 */
class MeshStoreCrashTest {

    @TempDir
    Path dir;

    private MeshStore store() {
        DataDir data = new DataDir(dir.resolve("node"));
        if (!Files.exists(data.identityFile())) {
            NodeSetup.init(data, Optional.of("n"), false);
        }
        return new MeshStore(data);
    }

    @Test
    void aCreateCutShortLeavesNoMeshAndCanBeRedone() throws Exception {
        MeshStore s = store();
        s.create("first");
        // everything but the last write: as if killed just before mesh.json
        Files.delete(s.dir().resolve("mesh.json"));
        assertTrue(s.info().isEmpty(), "half a mesh is no mesh");
        MeshStore.MeshInfo again = s.create("second");
        assertEquals("second", again.name());
        assertEquals(again.meshId(), MeshCertificates.meshIdOf(s.root()), "the new mesh's files replaced the old ones");
        MeshCertificates.verify(s.chain(), s.root(), java.util.Set.of(), java.time.Instant.now());
    }

    @Test
    void aLeaveCutShortLeavesNoMeshAndAJoinCanFollow() throws Exception {
        MeshStore s = store();
        s.create("home");
        Files.writeString(s.dir().resolve("intermediate.pem"), "left over from an admin-signed membership");
        // the first step of leave: mesh.json goes first
        Files.delete(s.dir().resolve("mesh.json"));
        assertTrue(s.info().isEmpty());
        assertTrue(s.leave().isEmpty());
        assertFalse(Files.exists(s.dir()), "the rest is cleaned up by the next leave");
    }

    @Test
    void aTornOrCorruptMemberListIsReportedAndStartsEmpty() throws Exception {
        MeshStore s = store();
        s.create("home");
        KnownMember.save(s.dir(), List.of(new KnownMember("00112233445566ff", "peer", "wss://127.0.0.1:1",
                "alive", 1, 2, List.of())));
        assertEquals(1, KnownMember.load(s.dir()).size());
        // a temporary file from a write cut short is ignored
        Files.writeString(s.dir().resolve(".members.json.123.tmp"), "{\"format\":1,\"mem");
        assertEquals("peer", KnownMember.load(s.dir()).get(0).name());
        Files.writeString(s.dir().resolve("members.json"), "{\"format\":1,\"members\":[{\"nodeId\":");
        assertEquals(List.of(), KnownMember.load(s.dir()));
        assertTrue(s.info().isPresent(), "the membership itself is untouched");
    }
}
