package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.api.Invite;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.mesh.ShortCodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes find each other over mDNS (bound to loopback here) and join by short code; wrong, expired
 * and brute-forced codes are refused and counted.
 */
class LanJoinTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    private NodeHarness node(String name) throws Exception {
        NodeHarness n = new NodeHarness(dir.resolve(name), MeshTest.meshConfig(MeshTest.freePort(), ""));
        open.add(n);
        return n;
    }

    /** A node on a known mesh port; with mDNS off, nobody on the LAN hears of it. */
    private NodeHarness quietNode(String name, int port) throws Exception {
        NodeHarness n = new NodeHarness(dir.resolve(name), MeshTest.meshConfig(port, "").replace("mesh:\n", "mesh:\n  mdns: false\n"));
        open.add(n);
        return n;
    }

    /** Asks a node's mesh port for a short code's invite from a given local address, as a joiner of some exchange version would. */
    private static com.fasterxml.jackson.databind.JsonNode askForCode(int port, String from, String code, Integer exchange) throws Exception {
        try (RawWebSocket ws = RawWebSocket.tls(port, from)) {
            assertTrue(ws.upgrade("/atmosphere/mesh/v1").contains("101"));
            Map<String, Object> ask = new java.util.LinkedHashMap<>();
            ask.put("type", "code");
            if (exchange != null) {
                ask.put("exchange", exchange);
            }
            ask.put("lookup", ShortCodes.lookup(code));
            ask.put("nonce", ShortCodes.nonce());
            ws.frame(2, farm.llama.atmosphere.runtime.util.Json.write(ask).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return NodeHarness.json(new String(ws.readFrame(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static long joins(NodeHarness n, String key) {
        return n.node.meshStats().get("joins").getOrDefault(key, 0L);
    }

    private static JoinStatus join(NodeHarness joiner, String target) throws InterruptedException {
        joiner.node.meshJoin(target);
        NodeHarness.awaitTrue(() -> !"joining".equals(joiner.node.meshJoinStatus().state().wire())
                && !"pending".equals(joiner.node.meshJoinStatus().state().wire()), "the join to end");
        return joiner.node.meshJoinStatus();
    }

    @Test
    void nodesOnTheLanFindEachOtherAndJoinByShortCode() throws Exception {
        NodeHarness a = node("a");
        NodeHarness b = node("b");
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        String aId = a.node.status().nodeId();
        String meshId = String.valueOf(a.node.mesh().meshId().orElse(null));
        NodeHarness.awaitTrue(() -> b.node.nearby().stream().anyMatch(n -> aId.equals(n.nodeId()) && meshId.equals(n.meshId())),
                "A heard at B over mDNS, with its mesh");

        String code = a.node.meshInvite(Duration.ofMinutes(5), 1).code();
        assertTrue(code.matches("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"), code);
        JoinStatus joined = join(b, code.toLowerCase().replace('0', 'o'));
        assertEquals("joined", joined.state().wire(), "typed sloppily, still the code: " + joined);
        assertEquals(1, joins(a, "code_answered"));
        String bId = b.node.status().nodeId();
        NodeHarness.awaitTrue(() -> a.node.meshMembers().stream().anyMatch(m -> bId.equals(m.nodeId()) && "alive".equals(m.state())),
                "B alive at A");

        // the network as B sees it: its mesh port open, mDNS on, A reachable with a measured round trip
        NodeHarness.awaitTrue(() -> {
            Map<String, Object> net = NodeHarness.asMap(b.node.network());
            Map<?, ?> peer = ((List<?>) net.get("peers")).stream().map(p -> (Map<?, ?>) p)
                    .filter(p -> aId.equals(p.get("nodeId"))).findFirst().orElse(Map.of());
            return "open".equals(peer.get("meshPort")) && peer.get("rttMs") instanceof Number && "websocket".equals(peer.get("transport"))
                    && Boolean.TRUE.equals(((Map<?, ?>) net.get("mdns")).get("running"))
                    && ((List<?>) ((Map<?, ?>) net.get("mesh")).get("endpoints")).stream()
                            .anyMatch(e -> "open".equals(((Map<?, ?>) e).get("accepts")));
        }, "B's network view");

        // a wrong code: refused by every node heard, counted; nothing joined
        NodeHarness c = node("c");
        String wrong = ShortCodes.generate();
        JoinStatus refused = join(c, wrong);
        assertEquals("failed", refused.state().wire());
        assertTrue(String.valueOf(refused.message().orElse("")).contains("no invite of this node has that code"), String.valueOf(refused));
        assertEquals(1, joins(a, "refused_bad_code"));
        assertTrue(!c.node.mesh().member());

        // an expired code
        Invite brief = a.node.meshInvite(Duration.ofSeconds(1), 1);
        String shortLived = brief.code();
        java.time.Instant expiresAt = java.time.Instant.parse(brief.expiresAt());
        while (java.time.Instant.now().isBefore(expiresAt.plusMillis(100))) {
            Thread.sleep(50);
        }
        JoinStatus expired = join(c, shortLived);
        assertEquals("failed", expired.state().wire());
        assertTrue(String.valueOf(expired.message().orElse("")).contains("expired"), String.valueOf(expired));
        assertEquals(1, joins(a, "refused_code_expired"), a.node.meshStats().get("joins") + " " + expired);

        // a burst of guesses: after the limit even the right code is refused for a while
        String right = a.node.meshInvite(Duration.ofMinutes(5), 1).code();
        for (int i = 0; i < 10; i++) {
            assertEquals("failed", join(c, ShortCodes.generate()).state().wire());
        }
        JoinStatus limited = join(c, right);
        assertEquals("failed", limited.state().wire());
        assertTrue(limited.message().orElse("").contains("too many wrong short codes"), String.valueOf(limited));
        assertTrue(joins(a, "refused_code_rate") >= 1);
        assertNotEquals(0, joins(a, "refused_bad_code"));
        // ... from C's address only: another host of the LAN still trades the right code
        int aPort = Integer.parseInt(String.valueOf(((List<?>) a.node.mesh().endpoints().orElse(List.of())).getFirst()).replaceAll(".*:", ""));
        com.fasterxml.jackson.databind.JsonNode other = askForCode(aPort, "127.0.0.2", right, ShortCodes.EXCHANGE);
        assertEquals("code", other.path("status").asText(), other.toString());
        assertTrue(ShortCodes.open(right, "x".repeat(32), other.path("nonce").asText(),
                other.path("iv").asText(), other.path("ciphertext").asText()).isEmpty(), "sealed for the asker's nonce only");

        // a joiner of the first exchange (the token in the clear) is refused, both versions named
        com.fasterxml.jackson.databind.JsonNode old = askForCode(aPort, "127.0.0.3", right, null);
        assertEquals("version", old.path("reason").asText(), old.toString());
        assertTrue(old.path("error").asText().contains("version 1") && old.path("error").asText().contains("version " + ShortCodes.EXCHANGE),
                old.toString());
    }

    @Test
    void aLookupRelayedByAFakeNodeYieldsOnlyCiphertextAndTheJoinerStillJoinsTheRealMesh() throws Exception {
        int port = MeshTest.freePort();
        NodeHarness a = quietNode("a", port);
        NodeHarness b = node("b");
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        String meshId = String.valueOf(a.node.mesh().meshId().orElse(null));
        Invite invite = a.node.meshInvite(Duration.ofMinutes(5), 1);
        String token = invite.token();
        try (CodeRelay mitm = new CodeRelay(port);
             farm.llama.atmosphere.runtime.mesh.LanPresence fake = farm.llama.atmosphere.runtime.mesh.LanPresence.start(
                     java.net.InetAddress.getLoopbackAddress(), "0123456789abcdef")) {
            fake.advertise("not-the-issuer", meshId, 1, mitm.port(), java.util.Optional.empty());
            NodeHarness.awaitTrue(() -> b.node.nearby().stream().anyMatch(n -> "0123456789abcdef".equals(n.nodeId())),
                    "the fake node heard at B; A is not (its mDNS is off)");

            JoinStatus joined = join(b, invite.code());
            assertEquals("joined", joined.state().wire(), "the honest joiner opened the relayed answer with the code: " + joined);
            assertEquals(2, mitm.seen.size(), "the fake node relayed one lookup and its answer: " + mitm.seen);
            assertTrue(mitm.seen.get(0).contains(ShortCodes.lookup(invite.code())), mitm.seen.get(0));
            String relayed = mitm.seen.get(1);
            assertTrue(relayed.contains("ciphertext") && !relayed.contains(token) && !relayed.contains("\"token\""),
                    "the man in the middle saw no token: " + relayed);
        }
        String bId = b.node.status().nodeId();
        NodeHarness.awaitTrue(() -> a.node.meshMembers().stream().anyMatch(m -> bId.equals(m.nodeId())), "B a member at A");
    }

    private static boolean alive(NodeHarness at, String id) {
        return at.node.meshMembers().stream().anyMatch(m -> id.equals(m.nodeId()) && "alive".equals(m.state()));
    }

    @Test
    void membersThatLostEachOthersAddressesFindEachOtherOnTheLan() throws Exception {
        NodeHarness a = new NodeHarness(dir.resolve("a"), MeshTest.meshConfig(MeshTest.freePort(), ""));
        NodeHarness b = new NodeHarness(dir.resolve("b"), MeshTest.meshConfig(MeshTest.freePort(), ""));
        String aId = a.node.status().nodeId();
        String bId = b.node.status().nodeId();
        a.node.meshCreate("home");
        NodeHarness.awaitTrue(() -> a.node.mesh().runs(), "A's mesh port");
        assertEquals("joined", join(b, a.node.meshInvite(Duration.ofMinutes(5), 1).token()).state().wire());
        NodeHarness.awaitTrue(() -> alive(a, bId) && alive(b, aId), "A and B alive to each other");
        a.close();
        b.close();

        // both come back on other ports (new addresses), B first: it writes A off as dead; A knows only B's old port
        NodeHarness b2 = new NodeHarness(dir.resolve("b"), MeshTest.meshConfig(MeshTest.freePort(), ""));
        open.add(b2);
        NodeHarness.awaitTrue(() -> b2.node.meshMembers().stream().anyMatch(m -> aId.equals(m.nodeId())
                && "dead".equals(m.state())), "B writes A off");
        NodeHarness a2 = new NodeHarness(dir.resolve("a"), MeshTest.meshConfig(MeshTest.freePort(), ""));
        open.add(a2);
        // mDNS tells A where B is now; A probes it there and both see each other alive again
        NodeHarness.awaitTrue(() -> alive(a2, bId) && alive(b2, aId), "A and B alive again after meeting on the LAN");
    }
}
