package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.EnvelopeCodec;
import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.runtime.mesh.MeshTls;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.runtime.mesh.swim.Statements;
import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage;
import farm.llama.atmosphere.runtime.util.Json;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that lies. B is a real member of the mesh; the test speaks with B's key and certificate
 * to A, the founder, about C, the victim, which serves a backend. Each lie — C moved to B's address,
 * C left or dead at an incarnation C never signed, a member nobody admitted, A's request replayed to
 * C, a message from before C restarted, a peer of another protocol version — is refused and
 * counted, and C stays alive and served.
 */
class MemberLiesTest {

    private static final String CHAT = """
            {"model":"llama3.2","messages":[{"role":"user","content":"who serves this?"}]}""";

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();
    private NodeHarness a;
    private NodeHarness b;
    private NodeHarness c;
    private String aId;
    private String cId;
    private Credentials asB;

    /** A member's key and certificates, read from its data dir. */
    private record Credentials(Identity identity, List<X509Certificate> chain, X509Certificate root) {
        static Credentials of(NodeHarness n) {
            DataDir d = n.data;
            MeshStore store = new MeshStore(d);
            return new Credentials(Identity.load(d.identityFile()), store.chain(), store.root());
        }

        SSLContext tls() {
            return MeshTls.member(identity, chain, root, () -> farm.llama.atmosphere.runtime.mesh.MeshCertificates.Withdrawn.NONE, Clock.systemUTC(), e -> { });
        }

        EnvelopeCodec codec() {
            return new EnvelopeCodec(identity, chain, Clock.systemUTC());
        }
    }

    @BeforeEach
    void mesh() throws Exception {
        FakeOllama backend = new FakeOllama();
        open.add(backend);
        a = node("a", "");
        b = node("b", "");
        c = node("c", "backends:\n  - type: ollama\n    url: " + backend.url() + "\n");
        a.node.meshCreate("honest");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        join(b);
        join(c);
        aId = a.node.status().nodeId();
        cId = c.node.status().nodeId();
        servedByC();
        asB = Credentials.of(b);
    }

    private NodeHarness node(String name, String extra) throws Exception {
        NodeHarness n = new NodeHarness(dir.resolve(name), MeshTest.meshConfig(MeshTest.freePort(), extra)
                + "routing:\n  timeout: PT5S\n  queue-timeout: PT0.3S\n");
        open.add(n);
        return n;
    }

    private void join(NodeHarness joiner) throws InterruptedException {
        joiner.node.meshJoin(a.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(joiner.node.meshJoinStatus().state().wire()), "joined");
    }

    private static String endpoint(NodeHarness n) {
        return String.valueOf(((List<?>) n.node.mesh().endpoints().orElse(List.of())).getFirst());
    }

    private Map<String, Object> row(NodeHarness at, String nodeId) {
        return at.node.meshMembers().stream().filter(m -> nodeId.equals(m.nodeId())).findFirst().map(NodeHarness::asMap).orElse(Map.of());
    }

    /** C is alive at A with its backend, and a chat at A that only C can serve is served by C. */
    private void servedByC() throws Exception {
        NodeHarness.awaitTrue(() -> "alive".equals(row(a, cId).get("state"))
                && MeshTest.backendCapabilities(FakeBackend.JSON.valueToTree(row(a, cId))) > 0, "C alive at A, with its backend");
        HttpResponse<String> r = a.post("/v1/chat/completions", CHAT);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(cId, r.headers().firstValue("x-atmosphere-node").orElseThrow());
    }

    private long counter(NodeHarness n, String group, String name) {
        return n.node.meshStats().get(group).getOrDefault(name, 0L);
    }

    private byte[] gossip(SwimMessage.Update... updates) {
        SwimMessage msg = new SwimMessage(SwimMessage.Kind.GOSSIP, asB.identity().nodeId(), aId, 0, "", List.of(updates));
        return asB.codec().seal(aId, "swim", Json.write(msg).getBytes(StandardCharsets.UTF_8));
    }

    private SwimMessage.Update signedByB(SwimMessage.Update u) {
        return u.signed(asB.identity().sign(Statements.signedBytes(u)));
    }

    @Test
    void liesAboutAnotherMemberAreRefusedAndTheVictimStaysAliveAndServed() throws Exception {
        String cAddress = String.valueOf(row(a, cId).get("address"));
        AtomicInteger reachedLiar = new AtomicInteger();
        try (ServerSocket liar = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!liar.isClosed()) {
                    try (var s = liar.accept()) {
                        reachedLiar.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            String liarAddress = "wss://127.0.0.1:" + liar.getLocalPort();
            Identity phantom = Identity.generate("phantom");
            SwimMessage.Update phantomAlive = new SwimMessage.Update(phantom.nodeId(), 1, MemberState.ALIVE, 1, liarAddress);
            try (MeshAttacker x = new MeshAttacker(endpoint(a), asB.tls())) {
                // interception: C "moved" to the liar's address at an incarnation C never reached
                x.send(gossip(new SwimMessage.Update(cId, Long.MAX_VALUE / 2, MemberState.ALIVE, 99, liarAddress)));
                x.send(gossip(signedByB(new SwimMessage.Update(cId, Long.MAX_VALUE / 2, MemberState.ALIVE, 99, liarAddress))));
                // eviction: C "left" for good, C "dead" where its refutation would overflow
                x.send(gossip(signedByB(new SwimMessage.Update(cId, Long.MAX_VALUE, MemberState.LEFT, 0, ""))));
                x.send(gossip(new SwimMessage.Update(cId, Long.MAX_VALUE, MemberState.DEAD, 0, "")));
                // a phantom, signed by its own key, which no certificate of the mesh vouches for
                x.send(gossip(phantomAlive.signed(phantom.sign(Statements.signedBytes(phantomAlive)))));
                NodeHarness.awaitTrue(() -> counter(a, "statements", "forged") >= 2 && counter(a, "statements", "unsigned") >= 2
                        && counter(a, "statements", "unknown_signer") >= 1, "the lies refused and counted: " + a.node.meshStats());
            }
            servedByC();
            assertEquals(cAddress, row(a, cId).get("address"), "C's address is the one C signed");
            assertFalse(a.node.meshMembers().stream().anyMatch(m -> phantom.nodeId().equals(m.nodeId())), "no phantom member");
            assertEquals(0, reachedLiar.get(), "nothing meant for C went to the liar's address");
        }
    }

    @Test
    void aRequestReplayedToAThirdMemberOrAfterARestartIsRefused() throws Exception {
        // an envelope A signed for B, replayed by B to C: refused, since it names B
        EnvelopeCodec asA = Credentials.of(a).codec();
        byte[] forB = asA.seal(b.node.status().nodeId(), "profile.get", new byte[0]);
        try (MeshAttacker x = new MeshAttacker(endpoint(c), asB.tls())) {
            x.send(forB);
            NodeHarness.awaitTrue(() -> counter(c, "messages", "misaddressed") >= 1, "C refuses what was meant for B");
        }
        // an envelope A signed for C, accepted once; C restarts; the same bytes are refused
        byte[] forC = asA.seal(cId, "profile.get", new byte[0]);
        String cEndpoint = endpoint(c);
        try (MeshAttacker x = new MeshAttacker(cEndpoint, asB.tls())) {
            long before = counter(c, "messages", "accepted");
            x.send(forC);
            NodeHarness.awaitTrue(() -> counter(c, "messages", "accepted") > before, "C took it once");
        }
        Path cDir = dir.resolve("c");
        c.close();
        open.remove(c);
        NodeHarness restarted = new NodeHarness(cDir, java.nio.file.Files.readString(new DataDir(cDir.resolve("data")).configFile()));
        open.add(restarted);
        NodeHarness.awaitTrue(() -> restarted.node.mesh().runs(), "C's mesh port again");
        try (MeshAttacker x = new MeshAttacker(endpoint(restarted), asB.tls())) {
            x.send(forC);
            NodeHarness.awaitTrue(() -> counter(restarted, "messages", "replayed") >= 1, "the restarted C refuses the replay");
        }
        assertEquals(0, counter(restarted, "messages", "misaddressed") + counter(restarted, "messages", "forged"));
    }

    @Test
    void aPeerOfAnotherProtocolVersionIsRefusedWithBothVersionsNamed() throws Exception {
        String bId = asB.identity().nodeId();
        b.close(); // B says nothing in the current version from now on
        open.remove(b);
        byte[] old = asB.codec().seal(aId, "profile.get", new byte[0]);
        int previous = farm.llama.atmosphere.runtime.mesh.Envelope.VERSION - 1;
        old[3] = (byte) previous; // the version byte, after the magic "ATM"
        try (MeshAttacker x = new MeshAttacker(endpoint(a), asB.tls())) {
            x.send(old);
            NodeHarness.awaitTrue(() -> counter(a, "messages", "version") >= 1, "refused for its version");
        }
        String error = String.valueOf(row(a, bId).get("error"));
        assertTrue(error.contains("protocol version " + previous) && error.contains("version " + (previous + 1)),
                "both versions named in mesh members: " + error);
        Map<?, ?> peer = ((List<?>) NodeHarness.asMap(a.node.network()).get("peers")).stream().map(p -> (Map<?, ?>) p)
                .filter(p -> bId.equals(p.get("nodeId"))).findFirst().orElseThrow();
        assertEquals(error, String.valueOf(peer.get("error")), "and in network");
    }

    @Test
    void aMemberThatUndercutsEveryCostOrClaimsARoleItHasNotIsTakenAtItsFloor() throws Exception {
        String bId = asB.identity().nodeId();
        Map<String, Object> profile = new java.util.LinkedHashMap<>();
        profile.put("nodeId", bId);
        profile.put("name", "b");
        profile.put("endpoint", endpoint(b));
        profile.put("version", System.currentTimeMillis() + Duration.ofDays(10).toMillis()); // newer than B's own
        profile.put("role", "founder");
        profile.put("cost", Map.of("overall", 0.0001));
        profile.put("capabilities", List.of(Map.of("id", "bait", "backend", "ollama", "type", "llm/chat", "name", "llama3.2:latest",
                "description", "", "models", List.of("llama3.2:latest"), "tags", List.of())));
        try (MeshAttacker x = new MeshAttacker(endpoint(a), asB.tls())) {
            x.send(asB.codec().seal(aId, "profile", Json.write(profile).getBytes(StandardCharsets.UTF_8)));
            NodeHarness.awaitTrue(() -> String.valueOf(row(a, bId).get("capabilities")).contains("bait"), "A took B's profile");
        }
        Map<String, Object> shown = row(a, bId);
        assertEquals("member", shown.get("role"), "a role claimed without the mesh key's proof is not shown: " + shown);
        assertEquals(1.0, ((Number) ((Map<?, ?>) shown.get("cost")).get("overall")).doubleValue(), "the cost is taken at the floor: " + shown);

        // in A's routing, B's bait is costed as an idle member a hop away, never below: it no longer wins every route
        HttpResponse<String> r = a.post("/api/v1/route", "{\"intent\":\"hello\",\"needs\":[\"llm/chat\"],\"model\":\"llama3.2\"}");
        assertEquals(200, r.statusCode(), r.body());
        com.fasterxml.jackson.databind.JsonNode decision = Json.parse(r.body());
        List<com.fasterxml.jackson.databind.JsonNode> all = new ArrayList<>();
        if (!decision.path("winner").isMissingNode() && !decision.path("winner").isNull()) {
            all.add(decision.path("winner"));
        }
        decision.path("runnersUp").forEach(all::add);
        com.fasterxml.jackson.databind.JsonNode bait = all.stream().filter(c -> c.path("capability").path("nodeId").asText().equals(bId))
                .findFirst().orElseThrow(() -> new AssertionError("B's bait among the candidates: " + r.body()));
        assertEquals(1.0, bait.path("costTerms").path("node").asDouble(), "B's node term: " + bait);
        assertTrue(bait.path("cost").asDouble() >= 1.1, "no cheaper than an idle member a hop away: " + bait);
    }
}
