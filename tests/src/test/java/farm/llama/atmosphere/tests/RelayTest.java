package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.runtime.relay.RelayServer;
import farm.llama.atmosphere.runtime.util.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members that cannot reach each other directly meet through a relay: a real relay server and
 * real nodes in this JVM, over loopback sockets. Node B runs only the relay transport (it does
 * not listen), so everything between A and B crosses the relay — sealed: the test reads every
 * envelope the relay received and finds none of the text the two nodes exchanged. A relay that
 * alters a byte gets the message refused by the receiver; non-members, members of another mesh,
 * revoked members and replayed admissions are refused by the relay; a relay restart heals by
 * itself.
 */
class RelayTest {

    private static final String MARKER = "ultramarine-7f3a-sealed-marker";

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();
    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger flip = new java.util.concurrent.atomic.AtomicInteger();
    private volatile RelayServer relay;

    @AfterEach
    void stop() throws Exception {
        open.closeAll(); // the nodes first, then the relay they use
        if (relay != null) {
            relay.close();
        }
    }

    /** A relay that records every envelope it receives and alters one byte of the next {@link #flip} envelopes it forwards. */
    private RelayServer relay(int port) {
        return new RelayServer(RelayServer.Options.of("127.0.0.1", port).timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30))
                .forwarding(envelope -> {
            received.add(envelope.clone());
            if (flip.getAndUpdate(n -> Math.max(0, n - 1)) == 0) {
                return envelope;
            }
            byte[] altered = envelope.clone();
            altered[altered.length - 64 - 8] ^= 0x20; // inside the sealed payload, before the 64-byte signature
            return altered;
        }));
    }

    private static String config(String transports, int relayPort, FakeOllama backend) throws java.io.IOException {
        return config(transports, "ws://127.0.0.1:" + relayPort, backend, "");
    }

    static String config(String transports, String relayUrl, FakeOllama backend, String relayConfig) throws java.io.IOException {
        return """
                discovery:
                  probe-default-ports: false
                  interval: PT60S
                mesh:
                  bind: 127.0.0.1
                  port: %d
                  mdns: false
                  probe:
                    interval: PT0.2S
                  gossip:
                    interval: PT0.05S
                  transports: %s
                  relays: [%s]
                transport:
                  relay:
                    reconnect-min: PT0.1S
                    reconnect-max: PT1S
                    ping-interval: PT0.2S
                %srouting:
                  timeout: PT5S
                  queue-timeout: PT0.3S
                """.formatted(MeshTest.freePort(), transports, relayUrl, relayConfig)
                + (backend == null ? "" : "backends:\n  - type: ollama\n    url: " + backend.url() + "\n");
    }

    private NodeHarness node(String name, String config) throws Exception {
        NodeHarness n = new NodeHarness(dir.resolve(name), config);
        open.add(n);
        return n;
    }

    /** Two members that meet through a relay, and the backend of the one that does not listen. */
    private record Mesh(int port, FakeOllama ollama, NodeHarness a, NodeHarness b, String aId, String bId) {
    }

    /** A (websocket and relay) founds the mesh, B (relay only, with a backend) joins it; both meet through a new relay. */
    private Mesh meshOverRelay() throws Exception {
        int port = MeshTest.freePort();
        relay = relay(port);
        return meshOver(port, "ws://127.0.0.1:" + port, "", "", "");
    }

    /** A and B as above, over the relay already running at a URL, each with more config (top-level sections). */
    private Mesh meshOver(int port, String url, String relayConfig, String moreA, String moreB) throws Exception {
        FakeOllama ollama = new FakeOllama();
        open.add(ollama);
        NodeHarness a = node("a", config("[websocket, relay]", url, null, relayConfig) + moreA);
        NodeHarness b = node("b", config("[relay]", url, ollama, relayConfig) + moreB);
        a.node.meshCreate("across-nat");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh");
        b.node.meshJoin(a.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(b.node.meshJoinStatus().state().wire()), "B joined");
        String bId = b.node.status().nodeId();
        NodeHarness.awaitTrue(() -> servedBy(a, bId), "B alive at A, with its backend");
        return new Mesh(port, ollama, a, b, a.node.status().nodeId(), bId);
    }

    static Map<String, Object> member(NodeHarness at, String nodeId) {
        return at.node.meshMembers().stream().filter(m -> nodeId.equals(m.nodeId())).findFirst().map(NodeHarness::asMap).orElse(Map.of());
    }

    static boolean servedBy(NodeHarness at, String nodeId) {
        Map<String, Object> m = member(at, nodeId);
        return "alive".equals(m.get("state")) && MeshTest.backendCapabilities(FakeBackend.JSON.valueToTree(m)) > 0;
    }

    private static String chat(String text) {
        return "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    static long counter(NodeHarness n, String group, String name) {
        return n.node.meshStats().getOrDefault(group, Map.of()).getOrDefault(name, 0L);
    }

    @Test
    void membersMeetThroughARelayThatSeesNoPlaintextAndCannotAlterAMessage() throws Exception {
        Mesh m = meshOverRelay();
        int port = m.port();
        FakeOllama ollama = m.ollama();
        NodeHarness a = m.a();
        NodeHarness b = m.b();
        String aId = m.aId();
        String bId = m.bId();
        NodeHarness.awaitTrue(() -> "alive".equals(member(b, aId).get("state")), "A alive at B");
        assertEquals(List.of("relay:" + bId), b.node.mesh().endpoints().orElse(List.of()), "B does not listen; it is reached through the relay");
        assertEquals("relay:" + bId, member(a, bId).get("address"));
        // A listens and uses the relay: its invites name both ways to it, the direct one first
        List<String> ways = farm.llama.atmosphere.runtime.mesh.Invites.verify(a.node.meshInvite(Duration.ofMinutes(5), 1).token(),
                java.time.Instant.now()).endpoints();
        assertEquals(2, ways.size(), ways.toString());
        assertTrue(ways.get(0).startsWith("wss://127.0.0.1:") && ways.get(1).equals("relay:" + aId), ways.toString());

        // a request at A runs on B's backend, across the relay
        HttpResponse<String> r = a.post("/v1/chat/completions", chat("the password is " + MARKER));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(bId, r.headers().firstValue("x-atmosphere-node").orElseThrow());
        assertTrue(ollama.chatBodies.stream().anyMatch(body -> body.toString().contains(MARKER)), "B's backend got the prompt");
        NodeHarness.awaitTrue(() -> "relay".equals(member(a, bId).get("transport")) && "relay".equals(member(b, aId).get("transport")),
                "both show relay as the other's transport");
        JsonNode members = NodeHarness.json(a.get("/api/v1/mesh/members").body()).path("members");
        assertTrue(members.toString().contains("\"transport\":\"relay\""), members.toString());
        long forwarded = ((Number) relay.stats().get("forwarded")).longValue();
        assertTrue(forwarded > 0, relay.stats().toString());

        // every byte the relay received: the envelopes carry the members' ids (routing metadata), never the text
        byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
        byte[] reply = "Rayleigh".getBytes(StandardCharsets.UTF_8);
        byte[] sender = aId.getBytes(StandardCharsets.UTF_8);
        assertTrue(received.size() >= forwarded, received.size() + " envelopes recorded");
        assertTrue(received.stream().anyMatch(e -> RawRelayClient.contains(e, sender)), "the inspection sees the envelopes' headers");
        for (byte[] e : received) {
            assertFalse(RawRelayClient.contains(e, marker), "the relay saw the prompt in plaintext");
            assertFalse(RawRelayClient.contains(e, reply), "the relay saw the answer in plaintext");
        }
        assertTrue(counter(b, "sealed", "opened") > 0 && counter(a, "sealed", "opened") > 0, a.node.meshStats().toString());

        // the relay alters a byte in the sealed payload of the next 4 envelopes it forwards: the receivers refuse them, and count them
        long forgedBefore = counter(a, "messages", "forged") + counter(b, "messages", "forged");
        flip.set(4);
        NodeHarness.awaitTrue(() -> flip.get() == 0, "four envelopes altered");
        NodeHarness.awaitTrue(() -> counter(a, "messages", "forged") + counter(b, "messages", "forged") >= forgedBefore + 4,
                "every altered envelope refused and counted by its receiver");
        NodeHarness.awaitTrue(() -> servedBy(a, bId), "B alive at A; a few lost messages do not break the mesh");
        HttpResponse<String> again = a.post("/v1/chat/completions", chat("and again"));
        assertEquals(200, again.statusCode(), again.body());

        // the relay connection, its round trip and the members there, in 'atmosphere network'
        Map<String, Object> network = NodeHarness.asMap(b.node.network());
        List<?> relays = (List<?>) network.get("relays");
        assertEquals(1, relays.size(), network.toString());
        Map<?, ?> row = (Map<?, ?>) relays.get(0);
        assertEquals("ws://127.0.0.1:" + port, row.get("url"));
        assertEquals("admitted", row.get("state"));
        NodeHarness.awaitTrue(() -> ((Map<?, ?>) ((List<?>) NodeHarness.asMap(b.node.network()).get("relays")).get(0)).get("rttMs") != null, "relay rtt");

        // a node configured with no relay learns A's from its invite, and keeps a connection there too
        NodeHarness c = node("c", MeshTest.meshConfig(MeshTest.freePort(), ""));
        c.node.meshJoin(a.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(c.node.meshJoinStatus().state().wire()), "C joined");
        NodeHarness.awaitTrue(() -> ((List<?>) NodeHarness.asMap(c.node.network()).get("relays")).toString().contains("url=ws://127.0.0.1:" + port)
                && ((List<?>) NodeHarness.asMap(c.node.network()).get("relays")).toString().contains("state=admitted"), "C admitted at the invite's relay");
        String cId = c.node.status().nodeId();
        NodeHarness.awaitTrue(() -> "alive".equals(member(b, cId).get("state")), "B, which does not listen, reaches C through the relay");
    }

    @Test
    void aRelayRestartHealsWithoutOperatorAction() throws Exception {
        Mesh m = meshOverRelay();
        int port = m.port();
        NodeHarness a = m.a();
        String bId = m.bId();
        assertEquals(200, a.post("/v1/chat/completions", chat("before")).statusCode());

        relay.close();
        NodeHarness.awaitTrue(() -> !"alive".equals(member(a, bId).get("state")), "B unreachable while the relay is down");
        relay = relay(port); // a fresh process would know nothing either: the relay keeps no state
        NodeHarness.awaitTrue(() -> servedBy(a, bId), "B alive at A again after the relay came back");
        HttpResponse<String> r = a.post("/v1/chat/completions", chat("after"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(bId, r.headers().firstValue("x-atmosphere-node").orElseThrow());
        assertTrue(((Number) relay.stats().get("admitted")).longValue() >= 2, relay.stats().toString());
        // what a dashboard shows live: the relay lost, then admitted again
        String events = awaitEvents(a, "relay.lost", "relay.admitted");
        assertTrue(events.indexOf("relay.lost") < events.lastIndexOf("relay.admitted"), events);
    }

    /** Reads a node's kept events (server-sent) until each of the types appeared; returns what was read. */
    private static String awaitEvents(NodeHarness n, String... types) throws Exception {
        HttpResponse<java.io.InputStream> r = n.http.send(java.net.http.HttpRequest.newBuilder(n.base.resolve("/api/v1/events?after=1")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        StringBuffer seen = new StringBuffer();
        try (java.io.InputStream in = r.body()) {
            Thread reader = Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[8192];
                try {
                    for (int k; (k = in.read(buf)) > 0; ) {
                        seen.append(new String(buf, 0, k, StandardCharsets.UTF_8));
                    }
                } catch (java.io.IOException e) {
                    // closed below
                }
            });
            NodeHarness.awaitTrue(() -> java.util.Arrays.stream(types).allMatch(t -> seen.indexOf(t) >= 0), String.join(", ", types) + " events");
            reader.interrupt();
        }
        return seen.toString();
    }

    @Test
    void theRelayAdmitsOnlyMembersOfTheMeshTheyNameAndNoReplayedAdmission() throws Exception {
        int port = MeshTest.freePort();
        relay = relay(port);
        NodeHarness a = node("a", config("[websocket, relay]", port, null));
        NodeHarness c = node("c", config("[websocket]", port, null));
        NodeHarness other = node("other", config("[websocket]", port, null));
        a.node.meshCreate("guarded");
        other.node.meshCreate("elsewhere");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh");
        c.node.meshJoin(a.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(c.node.meshJoinStatus().state().wire()), "C joined");
        String meshId = String.valueOf(a.node.mesh().meshId().orElse(null));
        Credentials member = credentials(c);

        // a member is admitted; the very same admission, replayed on another connection, is not
        RawRelayClient first = new RawRelayClient(port);
        String challenge = first.next().path("nonce").asText();
        ObjectNode hello = member.hello(meshId, challenge);
        first.send(hello);
        assertEquals("admitted", first.next().path("type").asText());
        RawRelayClient replay = new RawRelayClient(port);
        replay.next(); // its own challenge
        replay.send(hello);
        assertRefused(replay, "replayed");
        first.close();

        // a node with no membership: its own certificate, presented as a member of this mesh
        Identity stranger = Identity.generate("stranger");
        RawRelayClient forged = new RawRelayClient(port);
        X509Certificate self = farm.llama.atmosphere.runtime.mesh.MeshCertificates.member(member.root(),
                java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate(), stranger.publicKey(), Duration.ofDays(1));
        forged.send(new Credentials(stranger, List.of(self), member.root()).hello(meshId, forged.next().path("nonce").asText()));
        assertRefused(forged, "forged");

        // a member of another mesh, naming this one
        RawRelayClient foreign = new RawRelayClient(port);
        foreign.send(credentials(other).hello(meshId, foreign.next().path("nonce").asText()));
        assertRefused(foreign, "wrong_mesh");

        // a revoked member: A tells the relay (it is connected there), and the relay refuses C from then on
        NodeHarness.awaitTrue(() -> ((List<?>) NodeHarness.asMap(a.node.network()).get("relays")).toString().contains("state=admitted"), "A admitted at the relay");
        a.node.meshRevoke(c.node.status().nodeId(), false);
        NodeHarness.awaitTrue(() -> {
            try {
                RawRelayClient revoked = new RawRelayClient(port);
                revoked.send(member.hello(meshId, revoked.next().path("nonce").asText()));
                JsonNode answer = revoked.next();
                revoked.close();
                return "refused".equals(answer.path("type").asText()) && "revoked".equals(answer.path("reason").asText());
            } catch (Exception | AssertionError e) {
                return false;
            }
        }, "the relay refuses the revoked member");

        Map<?, ?> refused = (Map<?, ?>) relay.stats().get("refused");
        for (String reason : List.of("replayed", "forged", "wrong_mesh", "revoked")) {
            assertTrue(((Number) refused.get(reason)).longValue() >= 1, reason + " counted: " + refused);
        }
        HttpResponse<String> stats = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/stats")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, stats.statusCode());
        assertTrue(NodeHarness.json(stats.body()).path("refused").path("replayed").asLong() >= 1, stats.body());
    }

    @Test
    void aRelayServingWssIsReachedByMembersThatPinItsCertificateAndByNobodyElse() throws Exception {
        java.security.KeyPair key = java.security.KeyPairGenerator.getInstance("EC").generateKeyPair();
        org.bouncycastle.asn1.x500.X500Name name = new org.bouncycastle.asn1.x500.X500Name("CN=relay.test");
        java.util.Date now = new java.util.Date();
        var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name, java.math.BigInteger.valueOf(now.getTime()),
                now, new java.util.Date(now.getTime() + Duration.ofDays(1).toMillis()), name, key.getPublic());
        builder.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
                new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
                        org.bouncycastle.asn1.x509.GeneralName.iPAddress, "127.0.0.1")));
        X509Certificate cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                builder.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        Path p12 = dir.resolve("relay.p12");
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("relay", key.getPrivate(), "relay-pass".toCharArray(), new java.security.cert.Certificate[] {cert});
        try (var out = java.nio.file.Files.newOutputStream(p12)) {
            store.store(out, "relay-pass".toCharArray());
        }
        Path pem = dir.resolve("relay.pem");
        java.nio.file.Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");

        relay = new RelayServer(RelayServer.Options.of("127.0.0.1", 0).tlsKeystore(p12, "relay-pass"));
        String url = relay.url("127.0.0.1");
        assertTrue(url.startsWith("wss://"), url);
        Mesh m = meshOver(relay.port(), url, "    trust: " + pem + "\n", "", "");
        NodeHarness a = m.a();
        String bId = m.bId();
        HttpResponse<String> r = a.post("/v1/chat/completions", chat("over TLS"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(bId, r.headers().firstValue("x-atmosphere-node").orElseThrow());

        // a member that does not trust the relay's certificate never talks to it, and network says why
        NodeHarness c = node("c", config("[websocket, relay]", url, null, ""));
        c.node.meshJoin(a.node.meshInvite(Duration.ofMinutes(5), 1).token());
        NodeHarness.awaitTrue(() -> "joined".equals(c.node.meshJoinStatus().state().wire()), "C joined");
        NodeHarness.awaitTrue(() -> {
            Map<?, ?> row = (Map<?, ?>) ((List<?>) NodeHarness.asMap(c.node.network()).get("relays")).get(0);
            return !"admitted".equals(row.get("state")) && !String.valueOf(row.get("error")).isEmpty() && ((Number) row.get("reconnects")).longValue() > 0;
        }, "C's relay connection failing with a reason");
        assertEquals(2L, ((Number) relay.stats().get("admitted")).longValue(), "only A and B were admitted: " + relay.stats());
    }

    @Test
    void aModelFileCopiesThroughTheRelaySealedChunkByChunk() throws Exception {
        Path shared = java.nio.file.Files.createDirectories(dir.resolve("shared"));
        byte[] content = new byte[3 * (1 << 20) + 12345];
        new java.util.Random(11).nextBytes(content);
        java.nio.file.Files.write(shared.resolve("tiny.gguf"), content);
        int port = MeshTest.freePort();
        relay = relay(port);
        Mesh m = meshOver(port, "ws://127.0.0.1:" + port, "", "models:\n  dir: \"" + dir.resolve("models") + "\"\n",
                "models:\n  shared-dirs: [\"" + shared + "\"]\n");
        m.a().node.modelPull("tiny.gguf", m.bId(), java.util.Optional.empty());
        NodeHarness.awaitTrue(() -> !"running".equals(m.a().node.modelPullStatus().state().wire()), "the pull to end");
        assertEquals("done", m.a().node.modelPullStatus().state().wire(), String.valueOf(m.a().node.modelPullStatus()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(content, java.nio.file.Files.readAllBytes(dir.resolve("models").resolve("tiny.gguf")));
        assertTrue(((Number) relay.stats().get("forwardedBytes")).longValue() > content.length, relay.stats().toString());
        assertTrue(counter(m.a(), "sealed", "opened") >= 4, "every chunk arrived sealed: " + m.a().node.meshStats());
    }

    /** A mesh anyone can mint: its key, its root and one member. */
    private record Minted(java.security.KeyPair key, X509Certificate root, Identity member, X509Certificate cert, String meshId) {
        static Minted mesh() throws Exception {
            java.security.KeyPair key = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            X509Certificate root = farm.llama.atmosphere.runtime.mesh.MeshCertificates.root(key.getPublic(), key.getPrivate(), "minted");
            Identity member = Identity.generate("minted");
            X509Certificate cert = farm.llama.atmosphere.runtime.mesh.MeshCertificates.member(root, key.getPrivate(), member.publicKey(),
                    Duration.ofDays(1));
            return new Minted(key, root, member, cert, farm.llama.atmosphere.runtime.mesh.MeshCertificates.meshIdOf(root));
        }

        ObjectNode hello(String challenge, int revocations) throws Exception {
            ObjectNode h = new Credentials(member, List.of(cert), root).hello(meshId, challenge);
            h.set("revocations", revocations(0, revocations));
            return h;
        }

        com.fasterxml.jackson.databind.node.ArrayNode revocations(int from, int to) {
            var list = Json.MAPPER.createArrayNode();
            for (int i = from; i < to; i++) {
                list.add(Json.MAPPER.valueToTree(farm.llama.atmosphere.runtime.mesh.Revocations.signAsFounder(root, key.getPrivate(),
                        String.format("%016x", i))));
            }
            return list;
        }
    }

    @Test
    void meshesAnyoneCanMintLeaveNothingBehindAtTheRelay() throws Exception {
        try (RelayServer r = new RelayServer(RelayServer.Options.of("127.0.0.1", 0))) {
            // a stranger's admission that does not verify (its signature answers another challenge) leaves no state
            Minted a = Minted.mesh();
            RawRelayClient refused = new RawRelayClient(r.port());
            refused.next();
            refused.send(a.hello("another challenge", 50));
            assertRefused(refused, "replayed");
            assertEquals(0, ((Number) r.stats().get("revocationsHeld")).intValue(), r.stats().toString());

            // a member of a minted mesh is admitted, and what it tells is bounded
            Minted b = Minted.mesh();
            RawRelayClient member = new RawRelayClient(r.port());
            member.send(b.hello(member.next().path("nonce").asText(), 10));
            assertEquals("admitted", member.next().path("type").asText());
            assertEquals(10, ((Number) r.stats().get("revocationsHeld")).intValue(), r.stats().toString());
            ObjectNode more = Json.MAPPER.createObjectNode();
            more.put("type", "revocation");
            more.set("revocations", b.revocations(10, RelayServer.MAX_REVOKED_PER_MESH + 20));
            member.send(more);
            NodeHarness.awaitTrue(() -> ((Number) r.stats().get("revocationsHeld")).intValue() == RelayServer.MAX_REVOKED_PER_MESH,
                    "the mesh's revocations held, at most " + RelayServer.MAX_REVOKED_PER_MESH + ": " + r.stats());
            assertEquals(1, ((Number) r.stats().get("meshes")).intValue());
            // once its last member leaves, the mesh's room and revocations are gone (members tell them again when they return)
            member.close();
            NodeHarness.awaitTrue(() -> ((Number) r.stats().get("members")).intValue() == 0
                    && ((Number) r.stats().get("revocationsHeld")).intValue() == 0 && ((Number) r.stats().get("meshes")).intValue() == 0,
                    "the mesh forgotten: " + r.stats());
        }
    }

    @Test
    void aFullRelayRefusesMoreConnectionsAndSaysSo() throws Exception {
        try (RelayServer small = new RelayServer(RelayServer.Options.of("127.0.0.1", 0).maxConnections(1))) {
            RawRelayClient first = new RawRelayClient(small.port());
            assertEquals("challenge", first.next().path("type").asText());
            try (RawWebSocket second = RawWebSocket.plain(small.port())) {
                assertTrue(second.upgrade(RelayServer.PATH).startsWith("HTTP/1.1 503"), "refused at once, before the upgrade");
            }
            first.close();
            NodeHarness.awaitTrue(() -> ((Number) small.stats().get("connections")).intValue() == 0, "the first connection gone");
            RawRelayClient third = new RawRelayClient(small.port());
            assertEquals("challenge", third.next().path("type").asText(), "room again once a connection closed");
            // before admission a connection may not make the relay hold a large message
            third.socket.sendBinary(java.nio.ByteBuffer.wrap(new byte[1 << 20]), true);
            assertTrue(third.closed.await(10, TimeUnit.SECONDS), "an oversized message before admission closes the connection");
            third.close();
            Map<?, ?> refused = (Map<?, ?>) small.stats().get("refused");
            assertEquals(1L, refused.get("busy"));
            assertEquals(1L, refused.get("too_large"), "closed for its size, before the relay held it: " + refused);
            assertEquals(0L, refused.get("malformed"), refused.toString());
        }
    }

    @Test
    void anAddressThatKeepsFailingAdmissionIsRefusedForTheRestOfTheMinute() throws Exception {
        try (RelayServer strict = new RelayServer(RelayServer.Options.of("127.0.0.1", 0).failedAdmissions(2))) {
            for (int i = 0; i < 2; i++) {
                RawRelayClient guess = new RawRelayClient(strict.port());
                guess.next(); // challenge
                guess.send(Json.parse("{\"type\":\"hello\",\"v\":" + RelayServer.VERSION + ",\"nonce\":\"not the challenge\"}"));
                assertRefused(guess, "replayed");
            }
            RawRelayClient third = new RawRelayClient(strict.port());
            assertRefused(third, "rate_limited");
            Map<?, ?> refused = (Map<?, ?>) strict.stats().get("refused");
            assertEquals(2L, refused.get("replayed"));
            assertEquals(1L, refused.get("rate_limited"), refused.toString());
        }
    }

    /** A member of a mesh anyone can make in milliseconds: a fresh mesh key and a certificate it signed itself. */
    private static Credentials selfMade(java.security.KeyPair meshKey, X509Certificate root) {
        Identity id = Identity.generate("stranger");
        X509Certificate cert = farm.llama.atmosphere.runtime.mesh.MeshCertificates.member(root, meshKey.getPrivate(), id.publicKey(),
                Duration.ofDays(1));
        return new Credentials(id, List.of(cert), root);
    }

    private static java.security.KeyPair meshKey() throws Exception {
        return java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    /** Admits a member over a raw socket, as the relay protocol says. @return the relay's answer to the hello */
    private static JsonNode admit(RawWebSocket s, Credentials c) throws Exception {
        assertTrue(s.upgrade(RelayServer.PATH).startsWith("HTTP/1.1 101"));
        JsonNode challenge = Json.parse(new String(s.readFrame(), StandardCharsets.UTF_8));
        String meshId = farm.llama.atmosphere.runtime.mesh.MeshCertificates.meshId(c.root().getPublicKey());
        s.frame(1, c.hello(meshId, challenge.path("nonce").asText()).toString().getBytes(StandardCharsets.UTF_8));
        return Json.parse(new String(s.readFrame(), StandardCharsets.UTF_8));
    }

    private static long stat(RelayServer r, String name) {
        return ((Number) r.stats().get(name)).longValue();
    }

    private static long refusedFor(RelayServer r, String reason) {
        return ((Number) ((Map<?, ?>) r.stats().get("refused")).get(reason)).longValue();
    }

    @Test
    void membersOfASelfMadeMeshClaimingHugeFramesCostTheRelayOnlyWhatArrived() throws Exception {
        Mesh m = meshOverRelay();
        java.security.KeyPair key = meshKey();
        X509Certificate root = farm.llama.atmosphere.runtime.mesh.MeshCertificates.root(key.getPublic(), key.getPrivate(), "mine");
        byte[] part = new byte[1024];
        List<RawWebSocket> attackers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            RawWebSocket s = RawWebSocket.plain(m.port());
            attackers.add(s);
            assertEquals("admitted", admit(s, selfMade(key, root)).path("type").asText(), "anyone can make a mesh and be admitted");
            s.header(2, 16L * 1024 * 1024); // under the relay's limit for admitted members, but it never comes
            s.send(part);
        }
        NodeHarness.awaitTrue(() -> stat(relay, "heldBytes") >= 60L * part.length, "the partial frames held: " + relay.stats());
        HttpResponse<String> health = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + m.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        HttpResponse<String> r = m.a().post("/v1/chat/completions", chat("still relayed"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(m.bId(), r.headers().firstValue("x-atmosphere-node").orElseThrow(), "the real members are still served");
        long peak = stat(relay, "heldBytesPeak");
        assertTrue(peak < 2L * 1024 * 1024, "held only what arrived (60 x 1 KiB, and the members' own messages), not 60 x 16 MiB: " + peak);
        for (RawWebSocket s : attackers) {
            s.close();
        }
        NodeHarness.awaitTrue(() -> stat(relay, "heldBytes") < part.length, "nothing held once they are gone: " + relay.stats());
    }

    @Test
    void aRelayForItsOwnMeshesRefusesOthersAndCutsOffSlowAndCrowdingConnections() throws Exception {
        java.security.KeyPair mine = meshKey();
        X509Certificate myRoot = farm.llama.atmosphere.runtime.mesh.MeshCertificates.root(mine.getPublic(), mine.getPrivate(), "mine");
        java.security.KeyPair theirs = meshKey();
        X509Certificate theirRoot = farm.llama.atmosphere.runtime.mesh.MeshCertificates.root(theirs.getPublic(), theirs.getPrivate(), "theirs");
        String myMesh = farm.llama.atmosphere.runtime.mesh.MeshCertificates.meshId(myRoot.getPublicKey());
        try (RelayServer own = new RelayServer(RelayServer.Options.of("127.0.0.1", 0).allowMeshes(java.util.Set.of(myMesh))
                .maxConnectionsPerAddress(3).timeouts(Duration.ofSeconds(2), Duration.ofSeconds(30)).frameTimeout(Duration.ofSeconds(2)))) {
            try (RawWebSocket member = RawWebSocket.plain(own.port()); RawWebSocket other = RawWebSocket.plain(own.port())) {
                assertEquals("admitted", admit(member, selfMade(mine, myRoot)).path("type").asText());
                JsonNode refused = admit(other, selfMade(theirs, theirRoot));
                assertEquals("not_allowed", refused.path("reason").asText(), refused.toString());
                assertTrue(other.closedByPeer());
            }
            assertEquals(1, refusedFor(own, "not_allowed"));

            // the request head, one byte every 200 ms: cut off at the deadline, not at a read timeout
            try (RawWebSocket slow = RawWebSocket.plain(own.port())) {
                assertTrue(slow.closedWhileTrickling(("GET " + RelayServer.PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\n".repeat(4))
                                .getBytes(StandardCharsets.US_ASCII), 200), "a trickled request head is cut off");
            }
            // an admitted member trickling a frame
            try (RawWebSocket slow = RawWebSocket.plain(own.port())) {
                assertEquals("admitted", admit(slow, selfMade(mine, myRoot)).path("type").asText());
                slow.header(2, 100);
                assertTrue(slow.closedWhileTrickling(new byte[100], 200), "a trickled frame is cut off");
            }
            assertTrue(refusedFor(own, "timeout") >= 2, own.stats().toString());

            // three connections from one address at most; the fourth hears 503 at once
            NodeHarness.awaitTrue(() -> stat(own, "connections") == 0, "earlier connections gone");
            List<RawWebSocket> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                RawWebSocket s = RawWebSocket.plain(own.port());
                held.add(s);
                assertTrue(s.upgrade(RelayServer.PATH).startsWith("HTTP/1.1 101"));
            }
            try (RawWebSocket fourth = RawWebSocket.plain(own.port())) {
                assertTrue(fourth.upgrade(RelayServer.PATH).startsWith("HTTP/1.1 503"));
            }
            assertEquals(1, refusedFor(own, "busy"));
            held.forEach(RawWebSocket::close);
            NodeHarness.awaitTrue(() -> {
                try (RawWebSocket again = RawWebSocket.plain(own.port())) {
                    return again.upgrade(RelayServer.PATH).startsWith("HTTP/1.1 101");
                } catch (java.io.IOException e) {
                    return false;
                }
            }, "room again once they went");
        }
    }

    private static void assertRefused(RawRelayClient client, String reason) throws Exception {
        JsonNode answer = client.next();
        assertEquals("refused", answer.path("type").asText(), answer.toString());
        assertEquals(reason, answer.path("reason").asText(), answer.toString());
        assertTrue(client.closed.await(10, TimeUnit.SECONDS), "the relay closes a refused connection");
        client.close();
    }

    private static Credentials credentials(NodeHarness n) {
        DataDir data = n.data;
        MeshStore store = new MeshStore(data);
        return new Credentials(Identity.load(data.identityFile()), store.chain(), store.root());
    }

    /** A node's membership as a raw client presents it. */
    private record Credentials(Identity identity, List<X509Certificate> chain, X509Certificate root) {
        ObjectNode hello(String meshId, String challenge) throws Exception {
            ObjectNode h = Json.MAPPER.createObjectNode();
            h.put("type", "hello");
            h.put("v", RelayServer.VERSION);
            h.put("mesh", meshId);
            h.put("node", identity.nodeId());
            h.put("nonce", challenge);
            var c = h.putArray("chain");
            for (X509Certificate cert : chain) {
                c.add(Base64.getEncoder().encodeToString(cert.getEncoded()));
            }
            c.add(Base64.getEncoder().encodeToString(root.getEncoded()));
            h.put("sig", Base64.getEncoder().encodeToString(identity.sign(RelayServer.statement(challenge, meshId, identity.nodeId()))));
            return h;
        }
    }

}
