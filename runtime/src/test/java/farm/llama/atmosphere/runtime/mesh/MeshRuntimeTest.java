package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.runtime.mesh.swim.SwimConfig;
import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage;
import farm.llama.atmosphere.runtime.transport.InMemoryTransport;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several members over the in-memory transport with real signatures and a real clock. */
class MeshRuntimeTest {

    private static final SwimConfig FAST = new SwimConfig(Duration.ofMillis(200), Duration.ofMillis(100), 2, 2, 3,
            Duration.ofMillis(50), 3, 4, Duration.ofSeconds(5), 1400);

    private final List<MeshRuntime> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(MeshRuntime::close);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    /**
     * The first n members are never expelled by each other, and each one sees each other alive. A loaded
     * machine may suspect a live member, or even declare it dead, for a while: it refutes and comes back, so
     * each pair is awaited on its own rather than all of them at one instant.
     */
    private void awaitAliveToEachOther(int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                MeshRuntime node = nodes.get(i);
                String member = ids.get(j).nodeId();
                assertNotEquals(MemberState.LEFT, node.members().get(member), "member " + i + " expelled member " + j);
                await(() -> node.members().get(member) == MemberState.ALIVE, "member " + i + " to see member " + j + " alive");
            }
        }
    }

    @TempDir
    Path dir;

    private KeyPair mesh;
    private X509Certificate root;
    private String prefix;
    private final List<Identity> ids = new ArrayList<>();
    private final Map<String, String> endpoints = new LinkedHashMap<>();
    private final List<Revocations> revocations = new ArrayList<>();

    /** Starts n members of one fresh mesh, each knowing all the others. */
    private void start(int n) throws Exception {
        mesh = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        root = MeshCertificates.root(mesh.getPublic(), mesh.getPrivate(), "test");
        prefix = UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < n; i++) {
            Identity id = Identity.generate("n" + i);
            ids.add(id);
            endpoints.put(id.nodeId(), "memory://" + prefix + "-" + id.nodeId());
        }
        for (Identity id : ids) {
            X509Certificate cert = MeshCertificates.member(root, mesh.getPrivate(), id.publicKey(), Duration.ofDays(1));
            Path meshDir = Files.createDirectories(dir.resolve(id.nodeId()));
            Revocations r = new Revocations(meshDir);
            revocations.add(r);
            nodes.add(new MeshRuntime(id, List.of(cert), root, r, new InMemoryTransport(),
                    prefix + "-" + id.nodeId(), 0, FAST, Clock.systemUTC()));
        }
        for (int i = 0; i < nodes.size(); i++) {
            Map<String, String> others = new LinkedHashMap<>(endpoints);
            others.remove(ids.get(i).nodeId());
            nodes.get(i).start(others);
        }
    }

    @Test
    void aRevocationReachesEveryMemberAndSilencesTheRevokedNode() throws Exception {
        start(5);
        String bad = ids.get(4).nodeId();
        await(() -> nodes.stream().allMatch(n -> n.stats().get("accepted") > 10), "signed messages to flow");

        Revocations.Revocation forged = new Revocations.Revocation(bad, java.time.Instant.now().toString(), "mesh", "",
                java.util.Base64.getEncoder().encodeToString(new byte[64]), "");
        assertThrows(MeshSecurityException.class, () -> nodes.get(1).revoke(forged), "an unsigned revocation");
        assertFalse(revocations.get(1).revoked().contains(bad), "a forged revocation is not stored");

        Revocations.Revocation real = new Revocations(Files.createDirectories(dir.resolve("founder")))
                .revokeAsFounder(root, mesh.getPrivate(), bad);
        nodes.get(0).revoke(real);
        await(() -> nodes.stream().limit(4).allMatch(n -> n.members().get(bad) == MemberState.LEFT),
                "every member to expel the revoked node");
        for (int i = 0; i < 4; i++) {
            assertTrue(revocations.get(i).revoked().contains(bad), "member " + i + " stored the revocation");
            assertTrue(Files.exists(dir.resolve(ids.get(i).nodeId()).resolve("revocations.json")), "persisted");
        }
        // the revoked node keeps talking; everyone refuses it and it stays out
        await(() -> nodes.stream().limit(4).anyMatch(n -> n.stats().getOrDefault("revoked", 0L) > 0),
                "the revoked node's messages to be refused");
        Thread.sleep(FAST.probeInterval().toMillis() * 5);
        for (int i = 0; i < 4; i++) {
            assertEquals(MemberState.LEFT, nodes.get(i).members().get(bad), "nothing brings a revoked node back");
        }
        awaitAliveToEachOther(4);
    }

    @Test
    void membersSeeEachOtherLearnCapabilitiesNoticeADeathAndDropForgeries() throws Exception {
        start(4);
        nodes.get(0).publishCapabilities(7);
        String first = ids.get(0).nodeId();
        await(() -> nodes.stream().skip(1).allMatch(n -> n.capabilitiesOf(first) == 7), "the capability update to reach every member");
        await(() -> nodes.stream().allMatch(n -> n.stats().get("accepted") > 10), "signed messages to flow");

        // a non-member writes straight into a member's transport: dropped, counted, no effect
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        X509Certificate otherRoot = MeshCertificates.root(other.getPublic(), other.getPrivate(), "test");
        Identity eve = Identity.generate("eve");
        EnvelopeCodec eveCodec = new EnvelopeCodec(eve, List.of(MeshCertificates.member(otherRoot, other.getPrivate(),
                eve.publicKey(), Duration.ofDays(1))), Clock.systemUTC());
        String dead = ids.get(3).nodeId();
        // the lie kills one member and gives another capabilities it never published; member 2's
        // capability version is a witness no timing can move (member 2 never publishes any)
        String witness = ids.get(2).nodeId();
        long before = nodes.get(0).capabilitiesOf(witness);
        SwimMessage lie = new SwimMessage(SwimMessage.Kind.GOSSIP, eve.nodeId(), first, 0, "",
                List.of(new SwimMessage.Update(ids.get(1).nodeId(), 99, MemberState.DEAD, 0),
                        new SwimMessage.Update(witness, 99, MemberState.ALIVE, 42)));
        try (InMemoryTransport evil = new InMemoryTransport()) {
            evil.start(new TransportOptions(prefix + "-eve", 0, Optional.empty()), (link, frame) -> { });
            evil.connect(endpoints.get(first)).send(eveCodec.seal(first, "swim",
                    farm.llama.atmosphere.runtime.util.Json.write(lie).getBytes(java.nio.charset.StandardCharsets.UTF_8))).join();
        }
        await(() -> nodes.get(0).stats().get("wrong_mesh") >= 1, "the foreign message to be refused and counted");
        assertEquals(before, nodes.get(0).capabilitiesOf(witness), "a refused message changes nothing");
        await(() -> nodes.get(0).members().get(ids.get(1).nodeId()) == MemberState.ALIVE,
                "the member the lie called dead to be alive (a loaded machine may suspect it for a while)");

        nodes.get(3).close();
        await(() -> nodes.stream().limit(3).allMatch(n -> n.members().get(dead) == MemberState.DEAD),
                "every member to confirm the stopped node dead");
        awaitAliveToEachOther(3);
        assertEquals(MemberState.DEAD, nodes.get(0).members().get(dead), "the stopped node stays dead");
        assertTrue(nodes.get(1).stats().get("forged") == 0);
    }
}
