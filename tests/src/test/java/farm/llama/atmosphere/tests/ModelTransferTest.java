package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.api.PullStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Model files copied between members: whole, resumed from a damaged partial copy, and refused outside the shares. */
class ModelTransferTest {

    private static final int CHUNK = 1 << 20;

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    private NodeHarness node(String name, String extra) throws Exception {
        NodeHarness n = new NodeHarness(dir.resolve(name), MeshTest.meshConfig(MeshTest.freePort(), extra));
        open.add(n);
        return n;
    }

    /** B founds a mesh, A joins it; returns B's id once A sees B alive. */
    private static String meshOf(NodeHarness b, NodeHarness a) throws InterruptedException {
        b.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> b.node.mesh().runs(), "B's mesh port");
        a.node.meshJoin(b.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(a.node.meshJoinStatus().state().wire()), "joined");
        String bId = b.node.status().nodeId();
        NodeHarness.awaitTrue(() -> a.node.meshMembers().stream().anyMatch(m -> bId.equals(m.nodeId()) && "alive".equals(m.state())), "B alive at A");
        return bId;
    }

    private static long served(NodeHarness n) {
        return ((Number) ((Map<?, ?>) n.node.meshStats().get("files")).get("servedBytes")).longValue();
    }

    private static PullStatus pull(NodeHarness at, String name, String from) throws Exception {
        at.node.modelPull(name, from, java.util.Optional.empty());
        NodeHarness.awaitTrue(() -> !"running".equals(at.node.modelPullStatus().state().wire()), "the pull to end");
        return at.node.modelPullStatus();
    }

    @Test
    void aSharedFileIsCopiedResumedAfterDamageAndNothingElseIsServed() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        byte[] content = new byte[5 * CHUNK + 12345];
        new Random(7).nextBytes(content);
        Files.write(shared.resolve("tiny.gguf"), content);
        Files.writeString(dir.resolve("secret.txt"), "not shared");
        NodeHarness b = node("b", "models:\n  shared-dirs: [\"" + shared + "\"]\n");
        NodeHarness a = node("a", "models:\n  dir: \"" + dir.resolve("models") + "\"\n");
        String bId = meshOf(b, a);

        PullStatus done = pull(a, "tiny.gguf", bId);
        assertEquals("done", done.state().wire(), String.valueOf(done));
        Path copy = dir.resolve("models").resolve("tiny.gguf");
        assertArrayEquals(content, Files.readAllBytes(copy));
        assertEquals((long) content.length, served(b));
        assertFalse(Files.exists(dir.resolve("models").resolve("tiny.gguf.part")));

        // a partial copy with its first three chunks, one byte flipped in the second: chunks 0 and 2 are kept
        Path part = dir.resolve("models").resolve("tiny.gguf.part");
        byte[] partial = java.util.Arrays.copyOf(content, 3 * CHUNK);
        partial[CHUNK + 99] ^= 0x01;
        Files.write(part, partial);
        Files.delete(copy);
        long before = served(b);
        PullStatus resumed = pull(a, "tiny.gguf", bId);
        assertEquals("done", resumed.state().wire(), String.valueOf(resumed));
        assertEquals(2L * CHUNK, resumed.present().orElseThrow().longValue(), "two intact chunks were kept: " + resumed);
        assertEquals(content.length - 2L * CHUNK, served(b) - before, "only the damaged and the missing chunks travelled");
        assertArrayEquals(content, Files.readAllBytes(copy));

        // outside the shares: refused, counted, nothing written
        for (String outside : List.of("../secret.txt", dir.resolve("secret.txt").toString(), "missing.gguf")) {
            PullStatus refused = pull(a, outside, bId);
            assertEquals("failed", refused.state().wire(), outside);
            assertTrue(String.valueOf(refused.error().orElse(null)).contains("not shared"), String.valueOf(refused.error().orElse(null)));
        }
        assertEquals(3L, ((Number) ((Map<?, ?>) b.node.meshStats().get("files")).get("refused")).longValue());
        assertFalse(Files.exists(dir.resolve("models").resolve("secret.txt")));
    }

    @Test
    void aModelItsOllamaKeepsIsCopiedAndRegisteredWithTheReceiversOllama() throws Exception {
        byte[] weights = new byte[2 * CHUNK + 777];
        new Random(3).nextBytes(weights);
        Path blob = Files.createDirectories(dir.resolve("ollama-b/blobs")).resolve("sha256-" + sha256(weights));
        Files.write(blob, weights);
        FakeOllama ollamaB = new FakeOllama();
        open.add(ollamaB);
        List<String[]> withTiny = new ArrayList<>(ollamaB.models);
        withTiny.add(new String[] {"tinyllama:latest", "llama", "1.1B"});
        ollamaB.models = List.copyOf(withTiny);
        ollamaB.weights = Map.of("tinyllama", blob);
        FakeOllama ollamaA = new FakeOllama();
        open.add(ollamaA);
        NodeHarness b = node("b", "backends:\n  - type: ollama\n    url: " + ollamaB.url() + "\n");
        NodeHarness a = node("a", "backends:\n  - type: ollama\n    url: " + ollamaA.url() + "\n");
        String bId = meshOf(b, a);
        b.await("/api/v1/capabilities", c -> c.toString().contains("tinyllama"));

        int showsBefore = ollamaB.showCalls.get();
        PullStatus done = pull(a, "tinyllama", bId);
        assertEquals("done", done.state().wire(), String.valueOf(done));
        assertEquals(1, ollamaB.showCalls.get() - showsBefore, "B asked its Ollama where the weights lie once per pull, not per chunk");
        assertArrayEquals(weights, Files.readAllBytes(Path.of(String.valueOf(done.path().orElse(null)))));
        String sha = String.valueOf(done.sha256().orElse(null));
        assertTrue(String.valueOf(done.registered().orElse(null)).startsWith("registered as tinyllama"), String.valueOf(done));
        assertEquals((long) weights.length, ollamaA.blobs.get("sha256:" + sha), "the blob reached A's Ollama whole");
        assertEquals("sha256:" + sha, ollamaA.created.get(0).path("files").path("tinyllama").asText(), ollamaA.created.toString());
        a.await("/api/v1/capabilities", c -> c.toString().contains("tinyllama"));

        // a model B's backend does not serve is not shared
        PullStatus refused = pull(a, "llama3.2-unknown", bId);
        assertEquals("failed", refused.state().wire());
        assertTrue(String.valueOf(refused.error().orElse(null)).contains("not shared"), String.valueOf(refused.error().orElse(null)));

        // a member whose sharing policy withholds the model does not hand out its weights either
        NodeHarness c = node("c", "backends:\n  - type: ollama\n    url: " + ollamaB.url() + "\npolicy:\n  deny: [\"tiny*\"]\n");
        c.node.meshJoin(b.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(c.node.meshJoinStatus().state().wire()), "C joined");
        String cId = c.node.status().nodeId();
        NodeHarness.awaitTrue(() -> a.node.meshMembers().stream().anyMatch(m -> cId.equals(m.nodeId()) && "alive".equals(m.state())), "C alive at A");
        c.await("/api/v1/capabilities", x -> x.toString().contains("tinyllama"));
        PullStatus withheld = pull(a, "tinyllama", cId);
        assertEquals("failed", withheld.state().wire());
        assertTrue(String.valueOf(withheld.error().orElse(null)).contains("not shared"), String.valueOf(withheld.error().orElse(null)));
    }

    static String sha256(byte[] content) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    }

    private static long refused(NodeHarness n, String reason) {
        Object v = ((Map<?, ?>) n.node.meshStats().get("files")).get("refused." + reason);
        return v == null ? 0 : ((Number) v).longValue();
    }

    @Test
    void aCraftedModelfileOrADeniedMemberGetsNothing() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        byte[] tiny = new byte[CHUNK / 2];
        new Random(11).nextBytes(tiny);
        Files.write(shared.resolve("tiny.gguf"), tiny);
        Files.writeString(shared.resolve("private.gguf"), "for the owner only");
        Files.writeString(dir.resolve("secret.txt"), "not shared");
        NodeHarness a = node("a", "models:\n  dir: \"" + dir.resolve("models") + "\"\n");
        String aId = a.node.status().nodeId();
        FakeOllama ollamaB = new FakeOllama();
        open.add(ollamaB);
        NodeHarness b = node("b", "backends:\n  - type: ollama\n    url: " + ollamaB.url() + "\n"
                + "models:\n  shared-dirs: [\"" + shared + "\"]\n"
                + "policy:\n  peers:\n    " + aId + ":\n      deny: [\"private*\"]\n");
        Path identity = b.data.identityFile();
        Path blobs = Files.createDirectories(dir.resolve("ollama-b/blobs"));
        // named like a blob, but its content hashes to something else
        byte[] other = "something else".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Path impostor = blobs.resolve("sha256-" + sha256("the name's content".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Files.write(impostor, other);
        // named like the identity file's blob, a link to it
        Path link = Files.createSymbolicLink(blobs.resolve("sha256-" + sha256(Files.readAllBytes(identity))), identity);
        Map<String, String> crafted = Map.of(
                "stolen-identity", "FROM " + identity + "\n",
                "stolen-passwd", "FROM /etc/passwd\n",
                "climber", "FROM " + shared + "/../secret.txt\n",
                "impostor", "FROM " + impostor + "\n",
                "linked", "FROM " + link + "\n",
                "templated", "FROM llama3.2\nTEMPLATE \"\"\"{{ .Prompt }}\nFROM " + identity + "\n\"\"\"\n");
        List<String[]> models = new ArrayList<>(ollamaB.models);
        crafted.keySet().forEach(m -> models.add(new String[] {m + ":latest", "llama", "1B"}));
        ollamaB.models = List.copyOf(models);
        ollamaB.modelfiles = crafted;
        String bId = meshOf(b, a);
        b.await("/api/v1/capabilities", c -> crafted.keySet().stream().allMatch(m -> c.toString().contains(m)));

        Map<String, String> expected = Map.of(
                "stolen-identity", "data folder",
                "linked", "data folder",
                "stolen-passwd", "not a blob",
                "climber", "not a blob",
                "impostor", "does not hash",
                "templated", "not shared",
                "private.gguf", "denied to node " + aId);
        for (var e : expected.entrySet()) {
            PullStatus refused = pull(a, e.getKey(), bId);
            assertEquals("failed", refused.state().wire(), e.getKey() + ": " + refused);
            assertTrue(String.valueOf(refused.error().orElse(null)).contains(e.getValue()), e.getKey() + ": " + refused.error().orElse(null));
        }
        assertEquals(2, refused(b, "data_dir"));
        assertEquals(2, refused(b, "not_a_blob"));
        assertEquals(1, refused(b, "hash_mismatch"));
        assertEquals(1, refused(b, "not_shared"));
        assertEquals(1, refused(b, "policy"));
        assertEquals(0L, served(b), "not a byte left B");
        try (var files = Files.list(Files.createDirectories(dir.resolve("models")))) {
            List<Path> got = files.filter(f -> {
                try {
                    return Files.size(f) > 0;
                } catch (java.io.IOException x) {
                    return false;
                }
            }).toList();
            assertEquals(List.of(), got, "nothing arrived at A");
        }

        // the file the policy does not deny to A arrives
        PullStatus done = pull(a, "tiny.gguf", bId);
        assertEquals("done", done.state().wire(), String.valueOf(done));
        assertArrayEquals(tiny, Files.readAllBytes(dir.resolve("models").resolve("tiny.gguf")));
    }
}
