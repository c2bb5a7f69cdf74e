package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.api.AgentReport;
import farm.llama.atmosphere.runtime.api.MeshReport;
import farm.llama.atmosphere.runtime.api.PluginReport;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.mesh.MeshCertificates;
import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.runtime.util.FileModes;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrades keep data: the data dirs of {@code src/test/fixtures/data-0.1.0} were written by
 * Atmosphere 0.1.0 (see its README: a founder, an admin, a revoked member and a member the admin
 * admitted, with an API key, an agent, a disabled plugin and a stored value); this version opens
 * them and means the same by them.
 */
class UpgradeTest {

    private static final Path FIXTURE = Path.of("src/test/fixtures/data-0.1.0");
    /** When the fixture's certificates are certainly valid (they were made on 2026-12-05, for a year). */
    private static final Instant FIXTURE_TIME = Instant.parse("2026-12-06T00:00:00Z");

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    /** A copy of one node's 0.1.0 data dir, as a checkout of this repository holds it. */
    private DataDir copy(String node) throws IOException {
        Path to = dir.resolve(node);
        copyTree(FIXTURE.resolve(node), to);
        return new DataDir(to);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                    if (FileModes.posix()) {
                        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                    }
                }
            }
        }
    }

    private Node start(DataDir data, Map<String, String> env) throws IOException {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("ATMOSPHERE_MESH_PORT", String.valueOf(MeshTest.freePort()));
        Node n = Node.open(data, NodeConfig.load(data.configFile(), all),
                Optional.of(Path.of(System.getProperty("atmosphere.test.plugins", "target/plugins"))));
        open.add(n);
        return n;
    }

    private static JsonNode read(Path file) throws IOException {
        return NodeHarness.json(Files.readString(file));
    }

    @Test
    void theFoundersDataDirMeansWhatItMeantIn010() throws Exception {
        JsonNode mesh = read(FIXTURE.resolve("alpha/mesh/mesh.json"));
        JsonNode revocation = read(FIXTURE.resolve("alpha/mesh/revocations.json")).path("revocations").get(0);
        String key = Files.readString(FIXTURE.resolve("api-key.txt")).trim();
        String agent = Files.readString(FIXTURE.resolve("agent-id.txt")).trim();
        DataDir data = copy("alpha");

        Node alpha = start(data, Map.of("ATMOSPHERE_API_REQUIRE_KEY_ON_LOOPBACK", "true"));
        URI base = alpha.serve("127.0.0.1", 0);

        assertEquals(mesh.path("founder").asText(), alpha.status().nodeId(), "the identity is the one 0.1.0 made");
        assertEquals("alpha", alpha.status().name(), "config.yaml's node.name");
        MeshReport m = alpha.mesh();
        assertEquals(Optional.of(mesh.path("meshId").asText()), m.meshId());
        assertEquals(Optional.of("fixture"), m.name());
        assertEquals(Optional.of("founder"), m.role());
        assertEquals(Optional.of(List.of(revocation.path("node").asText())), m.revoked(), "charlie, revoked by the admin bravo, stays revoked");
        NodeHarness.awaitTrue(() -> alpha.mesh().running().orElse(false), "the founder's mesh port runs with its 0.1.0 certificate");

        AgentReport a = alpha.agents().stream().filter(x -> x.id().equals(agent)).findFirst().orElseThrow();
        assertEquals("echo", a.type());
        assertEquals("sleeping", a.state(), "agents come back asleep");
        assertEquals(3, NodeHarness.json(a.params().json()).path("max_steps").asInt());

        PluginReport llamafarm = alpha.plugins().stream().filter(p -> p.id().equals("discovery-llamafarm")).findFirst().orElseThrow();
        assertEquals("disabled", llamafarm.state());

        JsonNode stored = NodeHarness.json(alpha.runTool("store", "{\"action\":\"get\",\"key\":\"greeting\"}"));
        assertEquals("hello", stored.path("value").asText(), stored.toString());

        var http = java.net.http.HttpClient.newHttpClient();
        HttpResponse<String> withKey = http.send(HttpRequest.newBuilder(base.resolve("/v1/models"))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, withKey.statusCode(), "the API key 0.1.0 issued still opens the API: " + withKey.body());
        HttpResponse<String> without = http.send(HttpRequest.newBuilder(base.resolve("/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, without.statusCode(), without.body());

        if (FileModes.posix()) { // 0.1.0 ran only where there are POSIX modes, and left mesh files readable by all
            FileModes.assertPrivate(data.path().resolve("mesh/member.pem"));
        }
    }

    @Test
    void aMemberAdmittedByAnAdminKeepsItsChainInOneFileAndAnAdminStaysAnAdmin() throws Exception {
        DataDir dave = copy("dave");
        assertTrue(Files.exists(dave.path().resolve("mesh/intermediate.pem")), "0.1.0 kept the admin's certificate apart");
        Node node = start(dave, Map.of());

        MeshStore store = new MeshStore(dave);
        List<X509Certificate> chain = store.chain();
        assertEquals(2, chain.size(), "leaf and the admin certificate that signed it");
        try (var in = Files.newInputStream(FIXTURE.resolve("dave/mesh/intermediate.pem"))) {
            assertArrayEquals(java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded(), chain.get(1).getEncoded(),
                    "the admin certificate is the one 0.1.0 kept in intermediate.pem");
        }
        assertFalse(Files.exists(dave.path().resolve("mesh/intermediate.pem")));
        assertEquals(MeshStore.FORMAT, read(dave.path().resolve("mesh/mesh.json")).path("format").asInt());
        assertEquals(MeshCertificates.nodeIdOf(chain.get(0)), node.status().nodeId());
        MeshCertificates.verify(chain, store.root(), Set.of(), FIXTURE_TIME);
        assertEquals(Optional.of("member"), node.mesh().role());
        open.remove(node);
        node.close();

        byte[] migrated = Files.readAllBytes(dave.path().resolve("mesh/member.pem"));
        assertFalse(store.migrate(), "a second start finds nothing to migrate");
        assertArrayEquals(migrated, Files.readAllBytes(dave.path().resolve("mesh/member.pem")));

        Node bravo = start(copy("bravo"), Map.of());
        assertEquals(Optional.of("admin"), bravo.mesh().role());
        assertEquals(Optional.of(List.of(read(FIXTURE.resolve("bravo/mesh/revocations.json")).path("revocations").get(0).path("node").asText())),
                bravo.mesh().revoked());
    }

    @Test
    void aMigrationCutShortAtEitherStepIsFinishedByTheNext() throws Exception {
        DataDir whole = copy("dave");
        new MeshStore(whole).migrate();
        byte[] bundle = Files.readAllBytes(whole.path().resolve("mesh/member.pem"));

        // killed after member.pem was rewritten, before intermediate.pem went
        DataDir first = new DataDir(dir.resolve("first"));
        copyTree(FIXTURE.resolve("dave"), first.path());
        Files.write(first.path().resolve("mesh/member.pem"), bundle);
        assertTrue(new MeshStore(first).migrate());
        assertArrayEquals(bundle, Files.readAllBytes(first.path().resolve("mesh/member.pem")), "the leaf is not bundled twice");
        assertFalse(Files.exists(first.path().resolve("mesh/intermediate.pem")));

        // killed after intermediate.pem went, before mesh.json said format 2
        DataDir second = new DataDir(dir.resolve("second"));
        copyTree(FIXTURE.resolve("dave"), second.path());
        Files.write(second.path().resolve("mesh/member.pem"), bundle);
        Files.delete(second.path().resolve("mesh/intermediate.pem"));
        assertTrue(new MeshStore(second).migrate());
        assertEquals(MeshStore.FORMAT, read(second.path().resolve("mesh/mesh.json")).path("format").asInt());
        assertEquals(2, new MeshStore(second).chain().size());
    }

    @Test
    void aFileOfANewerFormatIsRefusedWithBothFormatsNamedAndLeftAsItWas() throws Exception {
        DataDir data = copy("alpha");
        Path registry = data.agentRegistryFile();
        String newer = Files.readString(registry).replace("\"format\":1", "\"format\":7");
        Files.writeString(registry, newer);
        AtmosphereException e = assertThrows(AtmosphereException.class, () -> start(data, Map.of()));
        assertTrue(e.getMessage().contains(registry + " is in format 7") && e.getMessage().contains("reads formats up to 1"), e.getMessage());
        assertEquals(newer, Files.readString(registry), "nothing was written over it");
        assertEquals(1, read(data.path().resolve("mesh/mesh.json")).path("format").asInt(), "nor was anything else migrated");

        Files.writeString(registry, newer.replace("\"format\":7", "\"format\":1"));
        Path meshFile = data.path().resolve("mesh/mesh.json");
        Files.writeString(meshFile, Files.readString(meshFile).replaceFirst("\"format\" : \\d+", "\"format\" : 3"));
        e = assertThrows(AtmosphereException.class, () -> start(data, Map.of()));
        assertTrue(e.getMessage().contains("format 3") && e.getMessage().contains("up to " + MeshStore.FORMAT), e.getMessage());

        Files.writeString(data.configFile(), "format: 2\n" + Files.readString(data.configFile()));
        ConfigException c = assertThrows(ConfigException.class, () -> NodeConfig.load(data.configFile(), Map.of()));
        assertTrue(c.getMessage().contains("format 2 is for a newer Atmosphere"), c.getMessage());
    }
}
