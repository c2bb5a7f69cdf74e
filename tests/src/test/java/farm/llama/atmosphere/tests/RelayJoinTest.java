package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.Invites;
import farm.llama.atmosphere.runtime.mesh.JoinTickets;
import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.runtime.relay.RelayServer;
import farm.llama.atmosphere.runtime.util.Json;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Devices that can reach only a relay form a mesh through it: the founder listens nowhere, its
 * invite names its {@code relay:} endpoint and carries a join ticket, and the joiner — which
 * listens nowhere either — is admitted at the relay for join traffic to the founder only. A wire
 * tap in front of the relay keeps every byte it received, and the invite's secret is in none of
 * them, in any encoding. Forged, expired and wrong-mesh tickets, and nodes of another relay
 * protocol, are refused at the relay and counted; a spent invite is refused by its issuer.
 */
class RelayJoinTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();
    private volatile RelayServer relay;

    @AfterEach
    void stop() throws Exception {
        open.closeAll();
        if (relay != null) {
            relay.close();
        }
    }

    private NodeHarness node(String name, String config) throws Exception {
        return open.add(new NodeHarness(dir.resolve(name), config));
    }

    private static boolean admittedAtRelay(NodeHarness n) {
        return ((List<?>) NodeHarness.asMap(n.node.network()).get("relays")).toString().contains("state=admitted");
    }

    /** Joins and waits for the end: joined, or failed with the message. */
    private static JoinStatus join(NodeHarness n, String token) throws InterruptedException {
        n.node.meshJoin(token);
        NodeHarness.awaitTrue(() -> {
            String s = n.node.meshJoinStatus().state().wire();
            return s.equals("joined") || s.equals("failed");
        }, "the join ends");
        return n.node.meshJoinStatus();
    }

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello across the relay\"}]}";
    }

    @Test
    void twoNodesThatListenNowhereFormAMeshThroughARelayThatLearnsNoSecret() throws Exception {
        relay = new RelayServer(RelayServer.Options.of("127.0.0.1", 0).timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30)));
        WireTap tap = open.add(new WireTap(relay.port()));
        String url = "ws://127.0.0.1:" + tap.port();
        FakeOllama oa = open.add(new FakeOllama().serving("mistral:7b"));
        FakeOllama ob = open.add(new FakeOllama().serving("gemma2:2b"));
        NodeHarness a = node("a", RelayTest.config("[relay]", url, oa, ""));
        NodeHarness b = node("b", RelayTest.config("[relay]", url, ob, ""));
        a.node.meshCreate("no-open-ports");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs() && admittedAtRelay(a), "A's mesh runs, and A is admitted at the relay");
        String aId = a.node.status().nodeId();
        String bId = b.node.status().nodeId();

        // A listens nowhere, yet invites: through the relay, with a join ticket
        var made = a.node.meshInvite(Duration.ofMinutes(5), 1);
        assertTrue(made.note().orElse("").contains("listens nowhere: the joiner reaches it through " + url), String.valueOf(made.note()));
        String token = made.token();
        Invites.Token invite = Invites.verify(token, Instant.now());
        assertEquals(List.of("relay:" + aId), invite.endpoints());
        assertEquals(List.of(url), invite.relays());
        assertNotNull(invite.ticket(), "the invite carries a join ticket");
        String ticketId = invite.ticket().path("id").asText();

        // B, which listens nowhere either, joins through the relay and then meets A there as a member
        JoinStatus joined = join(b, token);
        assertEquals("joined", joined.state().wire(), joined.toString());
        NodeHarness.awaitTrue(() -> RelayTest.servedBy(a, bId) && RelayTest.servedBy(b, aId), "each sees the other alive with its backend");
        assertEquals("relay:" + bId, RelayTest.member(a, bId).get("address"));
        HttpResponse<String> atA = a.post("/v1/chat/completions", chat("gemma2:2b"));
        assertEquals(200, atA.statusCode(), atA.body());
        assertEquals(bId, atA.headers().firstValue("x-atmosphere-node").orElseThrow(), "A is served by B's model");
        HttpResponse<String> atB = b.post("/v1/chat/completions", chat("mistral:7b"));
        assertEquals(200, atB.statusCode(), atB.body());
        assertEquals(aId, atB.headers().firstValue("x-atmosphere-node").orElseThrow(), "B is served by A's model");
        Map<String, Object> stats = relay.stats();
        assertEquals(1L, ((Number) stats.get("joinsAdmitted")).longValue(), stats.toString());
        assertEquals(2, ((Number) stats.get("members")).intValue(), "B reconnected as a member: " + stats);
        NodeHarness.awaitTrue(() -> ((Number) relay.stats().get("joining")).intValue() == 0, "the join connection is gone");

        // the invite is spent: a third node with the same token is refused by A, through the relay
        NodeHarness c = node("c", RelayTest.config("[relay]", url, null, ""));
        JoinStatus refused = join(c, token);
        assertEquals("failed", refused.state().wire(), refused.toString());
        assertTrue(refused.message().orElse("").contains("was already used"), refused.toString());
        assertTrue(RelayTest.counter(a, "joins", "refused_replayed") >= 1, a.node.meshStats().toString());

        // every byte the relay received: the ticket (public) is there, the invite's secret in no encoding
        List<byte[]> messages = tap.messages();
        assertTrue(messages.stream().anyMatch(m -> RawRelayClient.contains(m, ticketId.getBytes(StandardCharsets.UTF_8))),
                "the tap sees the join traffic: the ticket the joiners showed");
        List<byte[]> everything = new ArrayList<>(tap.received());
        everything.addAll(messages);
        for (Map.Entry<String, byte[]> secret : secretForms(token, invite.id()).entrySet()) {
            for (byte[] seen : everything) {
                assertFalse(RawRelayClient.contains(seen, secret.getValue()), "the relay received the invite's secret as " + secret.getKey());
            }
        }
    }

    @Test
    void aShortCodeIsTradedThroughTheRelayWhenTheIssuerListensNowhere() throws Exception {
        relay = new RelayServer(RelayServer.Options.of("127.0.0.1", 0).timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30)));
        String url = "ws://127.0.0.1:" + relay.port();
        String onTheLan = RelayTest.config("[relay]", url, null, "").replace("  mdns: false\n", ""); // mDNS on loopback
        NodeHarness a = node("a", onTheLan);
        NodeHarness b = node("b", onTheLan);
        a.node.meshCreate("lan-without-ports");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs() && admittedAtRelay(a), "A's mesh runs, and A is admitted at the relay");
        String aId = a.node.status().nodeId();
        String code = a.node.meshInvite(Duration.ofMinutes(5), 1).code();
        NodeHarness.awaitTrue(() -> b.node.nearby().stream().anyMatch(n -> aId.equals(n.nodeId()) && !n.meshId().isEmpty()),
                "A heard at B over mDNS");

        JoinStatus joined = join(b, code);
        assertEquals("joined", joined.state().wire(), joined.toString());
        assertEquals(1L, RelayTest.counter(a, "joins", "code_answered"), "the code was traded through the relay");
        assertEquals(2L, ((Number) relay.stats().get("joinsAdmitted")).longValue(), "the code, then the join: " + relay.stats());
        String bId = b.node.status().nodeId();
        NodeHarness.awaitTrue(() -> "alive".equals(RelayTest.member(a, bId).get("state")), "B alive at A, through the relay");
    }

    @Test
    void aNodeRefusesARelayOfAnotherProtocolVersionNamingBoth() throws Exception {
        try (java.net.ServerSocket older = new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> actAsAnOlderRelay(older));
            NodeHarness a = node("a", RelayTest.config("[websocket, relay]", "ws://127.0.0.1:" + older.getLocalPort(), null, ""));
            a.node.meshCreate("new");
            int older1 = RelayServer.VERSION - 1;
            NodeHarness.awaitTrue(() -> {
                String relays = String.valueOf(NodeHarness.asMap(a.node.network()).get("relays"));
                return relays.contains("refused: version: the relay speaks relay protocol " + older1
                        + ", this node speaks relay protocol " + RelayServer.VERSION);
            }, "the relay refused, both versions named");
        }
    }

    /** Answers each WebSocket upgrade and sends the challenge of the relay protocol before this one. */
    private static void actAsAnOlderRelay(java.net.ServerSocket server) {
        while (!server.isClosed()) {
            try (java.net.Socket s = server.accept()) {
                String head = RawWebSocket.accepted(s).head();
                String key = head.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("");
                String accept = Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-1")
                        .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
                java.io.OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                        + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] challenge = ("{\"type\":\"challenge\",\"v\":" + (RelayServer.VERSION - 1) + ",\"nonce\":\"AAAA\"}")
                        .getBytes(StandardCharsets.UTF_8);
                out.write(new byte[] {(byte) 0x81, (byte) challenge.length});
                out.write(challenge);
                out.flush();
                while (s.getInputStream().read() >= 0) {
                    // until the node closes
                }
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                // the next connection
            }
        }
    }

    /** The invite's secret parts — the token, its signature, its id — in every encoding one might find them in. */
    private static Map<String, byte[]> secretForms(String token, String inviteId) {
        Map<String, byte[]> forms = new java.util.LinkedHashMap<>();
        byte[] signature = Base64.getUrlDecoder().decode(token.substring(token.indexOf('.') + 1));
        byte[] payload = Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.')));
        Map<String, byte[]> raw = Map.of("token", token.getBytes(StandardCharsets.UTF_8), "signature", signature,
                "payload", payload, "invite id", inviteId.getBytes(StandardCharsets.UTF_8));
        raw.forEach((what, bytes) -> {
            forms.put(what + " (raw)", bytes);
            for (int shift = 0; shift < 3; shift++) { // inside a longer base64 text the secret starts at any of 3 alignments
                forms.put(what + " (base64, offset " + shift + ")", base64Inside(Base64.getEncoder(), bytes, shift));
                forms.put(what + " (base64url, offset " + shift + ")", base64Inside(Base64.getUrlEncoder(), bytes, shift));
            }
            forms.put(what + " (hex)", HexFormat.of().formatHex(bytes).getBytes(StandardCharsets.US_ASCII));
            forms.put(what + " (HEX)", HexFormat.of().withUpperCase().formatHex(bytes).getBytes(StandardCharsets.US_ASCII));
        });
        return forms;
    }

    /**
     * @return the characters that encode {@code secret} wherever it lies in a longer base64 text, when {@code shift}
     *         bytes precede it within its 3-byte group: the characters that also carry a neighbour's bits are cut off
     */
    private static byte[] base64Inside(Base64.Encoder encoder, byte[] secret, int shift) {
        byte[] shifted = new byte[shift + secret.length];
        System.arraycopy(secret, 0, shifted, shift, secret.length);
        String text = encoder.withoutPadding().encodeToString(shifted);
        int head = shift == 0 ? 0 : shift + 1; // 1 byte before: 2 characters carry its bits; 2 bytes: 3
        int tail = shifted.length % 3 == 0 ? 0 : 1; // the last character also carries the next byte's bits
        return text.substring(head, text.length() - tail).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void forgedExpiredAndWrongMeshTicketsAndOtherVersionsAreRefusedAtTheRelayAndCounted() throws Exception {
        relay = new RelayServer(RelayServer.Options.of("127.0.0.1", 0));
        int port = relay.port();
        NodeHarness a = node("a", RelayTest.config("[websocket, relay]", "ws://127.0.0.1:" + port, null, ""));
        NodeHarness other = node("other", MeshTest.meshConfig(MeshTest.freePort(), ""));
        a.node.meshCreate("ours");
        other.node.meshCreate("theirs");
        Identity founder = Identity.load(a.data.identityFile());
        MeshStore store = new MeshStore(a.data);
        Identity joiner = Identity.generate("joiner");
        Instant later = Instant.now().plus(Duration.ofMinutes(5));

        // a ticket that holds: admitted, for join traffic to its issuer only
        ObjectNode good = JoinTickets.create(founder, store, Instant.ofEpochSecond(later.getEpochSecond()), true);
        assertAdmitted(port, good, joiner);
        // a ticket without certificates (as mDNS carries it): checked against the chain A proved when the relay admitted it
        NodeHarness.awaitTrue(() -> admittedAtRelay(a), "A admitted at the relay");
        assertAdmitted(port, JoinTickets.create(founder, store, later, false), joiner);
        // ... and refused when its issuer is not connected here: nothing to check it against
        ObjectNode unconnected = JoinTickets.create(Identity.load(other.data.identityFile()), new MeshStore(other.data), later, false);
        assertRefusal(port, c -> joinRequest(unconnected, joiner, joiner, c, RelayServer.VERSION), "not_authorized", "not connected here");

        // forged: the expiry moved after the issuer signed it
        ObjectNode moved = good.deepCopy().put("expiresAt", good.path("expiresAt").asLong() + 60);
        assertRefusal(port, c -> joinRequest(moved, joiner, joiner, c, RelayServer.VERSION), "forged", "not signed by its issuer");
        // forged: a joiner that does not hold the key of the node id it names
        assertRefusal(port, c -> joinRequest(good, joiner, Identity.generate("impostor"), c, RelayServer.VERSION), "forged", "signature");
        // expired
        ObjectNode expired = JoinTickets.create(founder, store, Instant.ofEpochSecond(Instant.now().getEpochSecond() - 1), true);
        assertRefusal(port, c -> joinRequest(expired, joiner, joiner, c, RelayServer.VERSION), "expired", "expired");
        // wrong mesh: another mesh's ticket, claiming to be for ours
        ObjectNode foreign = JoinTickets.create(Identity.load(other.data.identityFile()), new MeshStore(other.data), later, true)
                .put("mesh", good.path("mesh").asText());
        assertRefusal(port, c -> joinRequest(foreign, joiner, joiner, c, RelayServer.VERSION), "wrong_mesh", "not " + good.path("mesh").asText());
        // another relay protocol: both versions named
        int older = RelayServer.VERSION - 1;
        assertRefusal(port, c -> joinRequest(good, joiner, joiner, c, older), "version",
                "relay protocol " + older + ", this relay speaks relay protocol " + RelayServer.VERSION);

        Map<?, ?> refused = (Map<?, ?>) relay.stats().get("refused");
        assertEquals(2L, ((Number) refused.get("forged")).longValue(), refused.toString());
        for (String reason : List.of("expired", "wrong_mesh", "version", "not_authorized")) {
            assertEquals(1L, ((Number) refused.get(reason)).longValue(), reason + " counted: " + refused);
        }
        assertEquals(2L, ((Number) relay.stats().get("joinsAdmitted")).longValue());
    }

    /** A join request with this ticket is admitted, for join traffic. */
    private static void assertAdmitted(int port, ObjectNode ticket, Identity joiner) throws Exception {
        try (RawRelayClient ok = new RawRelayClient(port)) {
            JsonNode challenge = ok.next();
            assertEquals(RelayServer.VERSION, challenge.path("v").asInt());
            ok.send(joinRequest(ticket, joiner, joiner, challenge.path("nonce").asText(), RelayServer.VERSION));
            JsonNode admitted = ok.next();
            assertEquals("admitted", admitted.path("type").asText(), admitted.toString());
            assertTrue(admitted.path("join").asBoolean(), admitted.toString());
        }
    }

    /** Sends a join request on a new connection (made for its challenge) and expects it refused for the reason, saying so. */
    private static void assertRefusal(int port, java.util.function.Function<String, ObjectNode> request, String reason, String says)
            throws Exception {
        try (RawRelayClient client = new RawRelayClient(port)) {
            client.send(request.apply(client.next().path("nonce").asText()));
            JsonNode answer = client.next();
            assertEquals("refused", answer.path("type").asText(), answer.toString());
            assertEquals(reason, answer.path("reason").asText(), answer.toString());
            assertTrue(answer.path("message").asText().contains(says), answer.toString());
            assertTrue(client.closed.await(10, TimeUnit.SECONDS), "the relay closes a refused connection");
        }
    }

    /**
     * A join request as a joiner makes it: the ticket, the joiner's node id and key, and a
     * signature by {@code signer} (the joiner itself, or another key for a forged one).
     */
    private static ObjectNode joinRequest(ObjectNode ticket, Identity joiner, Identity signer, String challenge, int version) {
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("type", "join");
        r.put("v", version);
        r.put("nonce", challenge);
        r.set("ticket", ticket);
        r.put("node", joiner.nodeId());
        r.put("key", Base64.getEncoder().encodeToString(Identity.rawPublicKey(joiner.publicKey())));
        r.put("sig", Base64.getEncoder().encodeToString(signer.sign(RelayServer.joinStatement(challenge, ticket.path("id").asText(),
                joiner.nodeId()))));
        return r;
    }
}
