package farm.llama.atmosphere.runtime.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.mesh.Refusal;
import farm.llama.atmosphere.runtime.util.Json;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** One WebSocket connection to the relay: a node being admitted, then an admitted member or a joiner. */
final class RelayPeer implements RelayWebSocket.Handler {

    private static final System.Logger LOG = System.getLogger(RelayPeer.class.getName());

    private final RelayServer server;
    private final String challenge;
    private final long openedAt = System.nanoTime();
    private volatile RelaySession session;
    private volatile long lastHeard = System.nanoTime();
    private volatile String mesh;
    private volatile String node;
    private volatile List<String> chain = List.of();
    /** A joiner's admission (null for a member, or before admission). */
    private volatile RelayAdmission.Joining join;
    private final java.util.ArrayDeque<Long> joinFrames = new java.util.ArrayDeque<>();

    /** @return whether this connection was admitted for a join (not as a member) */
    boolean joining() {
        return join != null;
    }

    /** @return whether this joiner's ticket expired or it has been connected for {@link RelayServer#JOIN_LONGEST} */
    boolean joinOver() {
        RelayAdmission.Joining j = join;
        return j != null && (!java.time.Instant.now().isBefore(j.expiresAt())
                || System.nanoTime() - openedAt > RelayServer.JOIN_LONGEST.toNanos());
    }

    /** @return the member a joiner may reach, or null */
    String joinIssuer() {
        RelayAdmission.Joining j = join;
        return j == null ? null : j.issuer();
    }

    /** @return the admitted member's node id, or null before admission */
    String node() {
        return node;
    }

    /** @return when the connection opened, {@link System#nanoTime()} */
    long openedAt() {
        return openedAt;
    }

    /** @return when the member was last heard, {@link System#nanoTime()} */
    long lastHeard() {
        return lastHeard;
    }

    RelayPeer(RelayServer server) {
        this.server = server;
        byte[] nonce = new byte[32];
        RelayServer.RANDOM.nextBytes(nonce);
        this.challenge = Base64.getEncoder().encodeToString(nonce);
    }

    @Override
    public void opened(RelaySession s) {
        session = s;
        if (server.failures.limited(s.remoteAddress())) {
            refuse("rate_limited", server.failures.perMinute() + " failed admissions from " + s.remoteAddress()
                    + " within a minute; try again later");
            return;
        }
        server.connections.add(this);
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("type", "challenge");
        c.put("v", RelayServer.VERSION);
        c.put("nonce", challenge);
        sendText(c);
    }

    @Override
    public void text(String whole) {
        lastHeard = System.nanoTime();
        if (whole.length() > 1024 * 1024) {
            refuse("malformed", "control message too large");
            return;
        }
        JsonNode j;
        try {
            j = Json.parse(whole);
        } catch (RuntimeException e) {
            refuse("malformed", "a control message is not JSON");
            return;
        }
        String type = j.path("type").asText();
        if (node == null && join == null) {
            switch (type) {
                case "hello" -> hello(j);
                case "join" -> join(j);
                default -> refuse("malformed", "expected a hello or a join answering the challenge, got '" + type + "'");
            }
            return;
        }
        if (join != null) {
            if (type.equals("ping")) {
                pong(j);
            }
            return; // a joiner tells the relay nothing else
        }
        switch (type) {
            case "ping" -> pong(j);
            case "revocation" -> server.learnRevocations(mesh, root(), j.path("revocations"));
            default -> LOG.log(System.Logger.Level.DEBUG, () -> "ignored a '" + type + "' message from " + node);
        }
    }

    private void pong(JsonNode ping) {
        ObjectNode pong = Json.MAPPER.createObjectNode();
        pong.put("type", "pong");
        pong.set("t", ping.path("t"));
        sendText(pong);
    }

    @Override
    public void binary(byte[] frame) {
        lastHeard = System.nanoTime();
        if (join != null) {
            forwardJoin(frame);
            return;
        }
        if (node == null) {
            refuse("malformed", "an envelope before admission");
            return;
        }
        forward(frame);
    }

    @Override
    public void closed() {
        gone();
    }

    @Override
    public void oversized(long length) {
        server.refused.computeIfAbsent("too_large", k -> new AtomicLong()).incrementAndGet();
        LOG.log(System.Logger.Level.INFO, () -> "closed a relay connection" + (node == null ? " before admission" : " of " + node)
                + ": a message of " + length + " bytes, over " + limit());
    }

    @Override
    public boolean admitted() {
        return node != null;
    }

    @Override
    public int limit() {
        return node == null ? RelayServer.ADMISSION_LIMIT : RelayServer.MAX_MESSAGE; // a stranger cannot make the relay hold 32 MiB
    }

    private void gone() {
        server.connections.remove(this);
        RelayAdmission.Joining j = join;
        if (j != null) {
            leftJoin(j);
            return;
        }
        String m = mesh;
        String n = node;
        if (m == null || n == null) {
            return;
        }
        Map<String, RelayPeer> room = server.meshes.get(m);
        if (room != null && room.remove(n, this)) {
            ObjectNode g = Json.MAPPER.createObjectNode();
            g.put("type", "gone");
            g.put("node", n);
            room.values().forEach(c -> c.sendText(g));
            joinersOf(m, n).forEach(c -> c.sendText(g)); // their issuer left: the joins through here cannot go on
        }
        server.forgetIfEmpty(m);
    }

    /** A joiner left: it is forgotten, and its issuer told. */
    private void leftJoin(RelayAdmission.Joining j) {
        synchronized (server.joining) {
            Map<String, RelayPeer> joiners = server.joining.get(j.meshId());
            if (joiners == null || !joiners.remove(j.nodeId(), this)) {
                return;
            }
            if (joiners.isEmpty()) {
                server.joining.remove(j.meshId());
            }
        }
        RelayPeer issuer = server.meshes.getOrDefault(j.meshId(), Map.of()).get(j.issuer());
        if (issuer != null) {
            ObjectNode g = Json.MAPPER.createObjectNode();
            g.put("type", "gone");
            g.put("node", j.nodeId());
            g.put("join", true);
            issuer.sendText(g);
        }
    }

    /** @return the joiners connected here for a join to a member */
    private List<RelayPeer> joinersOf(String meshId, String issuer) {
        return server.joining.getOrDefault(meshId, Map.of()).values().stream().filter(p -> issuer.equals(p.joinIssuer())).toList();
    }

    /** A node that is not a member shows a join ticket: admitted, if it holds, for join traffic to the ticket's issuer. */
    private void join(JsonNode j) {
        RelayAdmission.Joining proven;
        try {
            proven = RelayAdmission.checkJoin(j, challenge, server.allowMeshes, server.revoked, (meshId, issuer) -> {
                RelayPeer member = server.meshes.getOrDefault(meshId, Map.of()).get(issuer);
                return member == null ? List.of() : member.chain;
            });
        } catch (Refusal e) {
            refuse(e.reason(), e.getMessage());
            return;
        }
        RelayPeer before;
        synchronized (server.joining) {
            before = server.joining.computeIfAbsent(proven.meshId(), k -> new ConcurrentHashMap<>()).put(proven.nodeId(), this);
        }
        join = proven;
        if (before != null && before != this) {
            before.join = null; // its close must not forget this one
            before.closeWith(1000, "replaced by a newer connection of the same joiner");
        }
        server.joinsAdmitted.incrementAndGet();
        ObjectNode ok = Json.MAPPER.createObjectNode();
        ok.put("type", "admitted");
        ok.put("v", RelayServer.VERSION);
        ok.put("join", true);
        ArrayNode members = ok.putArray("members");
        RelayPeer issuer = server.meshes.getOrDefault(proven.meshId(), Map.of()).get(proven.issuer());
        if (issuer != null) {
            issuer.describe(members.addObject());
        }
        sendText(ok);
        LOG.log(System.Logger.Level.INFO, () -> "admitted " + proven.nodeId() + " to join mesh " + proven.meshId() + " through "
                + proven.issuer() + " (ticket " + proven.ticketId() + ")");
    }

    /** Join traffic from a joiner: to the member its ticket names only, a few messages a minute. */
    private void forwardJoin(byte[] frame) {
        RelayAdmission.Joining j = join;
        long now = System.currentTimeMillis();
        synchronized (joinFrames) {
            joinFrames.addLast(now);
            while (!joinFrames.isEmpty() && now - joinFrames.peekFirst() > 60_000) {
                joinFrames.removeFirst();
            }
            if (joinFrames.size() > RelayServer.JOIN_FRAMES_PER_MINUTE) {
                refuse("rate_limited", "a joiner may send " + RelayServer.JOIN_FRAMES_PER_MINUTE + " messages a minute");
                return;
            }
        }
        String to = recipient(frame, RelayServer.JOIN);
        if (to == null) {
            return;
        }
        if (!to.equals(j.issuer())) {
            refuse("not_allowed", "a joiner may reach only the member its ticket names (" + j.issuer() + ")");
            return;
        }
        RelayPeer target = server.meshes.getOrDefault(j.meshId(), Map.of()).get(to);
        deliver(target, to, RelayServer.JOIN, j.nodeId(), frame);
    }

    /**
     * @param frame a binary message
     * @param kind the kind it must be
     * @return its recipient, or null when it is malformed (the connection is then closed)
     */
    private String recipient(byte[] frame, byte kind) {
        if (frame.length < 3 || frame[0] != kind) {
            closeWith(1003, "unknown frame kind");
            return null;
        }
        int len = ((frame[1] & 0xff) << 8) | (frame[2] & 0xff);
        if (3 + len > frame.length) {
            closeWith(1003, "truncated frame");
            return null;
        }
        return new String(frame, 3, len, StandardCharsets.UTF_8);
    }

    private X509Certificate root() {
        return RelayAdmission.certificate(chain.get(chain.size() - 1));
    }

    private void hello(JsonNode j) {
        RelayAdmission.Admitted proven;
        try {
            proven = RelayAdmission.check(j, challenge, server.allowMeshes, server.revoked,
                    (root, list) -> server.learnRevocations(j.path("mesh").asText(), root, list));
        } catch (Refusal e) {
            refuse(e.reason(), e.getMessage());
            server.forgetIfEmpty(j.path("mesh").asText()); // what a refused hello made the relay learn goes with it
            return;
        }
        String meshId = proven.meshId();
        String nodeId = proven.nodeId();
        chain = proven.chain();
        mesh = meshId;
        node = nodeId;
        server.admitted.incrementAndGet();
        Map<String, RelayPeer> room;
        RelayPeer before;
        synchronized (server.meshes) {
            room = server.meshes.computeIfAbsent(meshId, k -> new ConcurrentHashMap<>());
            before = room.put(nodeId, this);
        }
        if (before != null && before != this) {
            before.node = null; // its close must not announce that the member is gone
            before.closeWith(1000, "replaced by a newer connection of the same member");
        }
        ObjectNode ok = Json.MAPPER.createObjectNode();
        ok.put("type", "admitted");
        ok.put("v", RelayServer.VERSION);
        ArrayNode members = ok.putArray("members");
        ObjectNode online = Json.MAPPER.createObjectNode();
        online.put("type", "online");
        describe(online);
        for (RelayPeer c : room.values()) {
            if (c != this) {
                c.describe(members.addObject());
                c.sendText(online);
            }
        }
        sendText(ok);
        joinersOf(meshId, nodeId).forEach(c -> c.sendText(online)); // joins waiting for this member
        LOG.log(System.Logger.Level.INFO, () -> "admitted " + nodeId + " of mesh " + meshId + " (" + room.size() + " connected)");
    }

    private void describe(ObjectNode o) {
        o.put("node", node);
        ArrayNode c = o.putArray("chain");
        chain.forEach(c::add);
    }

    private void forward(byte[] frame) {
        if (frame.length > 0 && frame[0] == RelayServer.JOIN) {
            String to = recipient(frame, RelayServer.JOIN);
            if (to != null) { // a member answers a joiner: only one whose ticket names this member
                RelayPeer joiner = server.joining.getOrDefault(mesh, Map.of()).get(to);
                deliver(joiner != null && node.equals(joiner.joinIssuer()) ? joiner : null, to, RelayServer.JOIN, node, frame);
            }
            return;
        }
        String to = recipient(frame, RelayServer.ENVELOPE);
        if (to == null) {
            return;
        }
        Map<String, RelayPeer> room = server.meshes.getOrDefault(mesh, Map.of());
        deliver(room.get(to), to, RelayServer.ENVELOPE, node, frame);
    }

    /** Passes a frame's payload on to its recipient, from the given sender, or tells the sender the recipient is gone. */
    private void deliver(RelayPeer target, String to, byte kind, String sender, byte[] frame) {
        int len = ((frame[1] & 0xff) << 8) | (frame[2] & 0xff);
        if (target == null) {
            server.unreachable.incrementAndGet();
            ObjectNode g = Json.MAPPER.createObjectNode();
            g.put("type", "gone");
            g.put("node", to);
            if (kind == RelayServer.JOIN) {
                g.put("join", true);
            }
            sendText(g);
            return;
        }
        byte[] envelope = server.forwarded.apply(Arrays.copyOfRange(frame, 3 + len, frame.length));
        byte[] from = sender.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[3 + from.length + envelope.length];
        out[0] = kind;
        out[1] = (byte) (from.length >> 8);
        out[2] = (byte) from.length;
        System.arraycopy(from, 0, out, 3, from.length);
        System.arraycopy(envelope, 0, out, 3 + from.length, envelope.length);
        if (target.sendBinary(out)) {
            server.forwardedMessages.incrementAndGet();
            server.forwardedBytes.addAndGet(envelope.length);
        }
    }

    void sendText(JsonNode message) {
        RelaySession s = session;
        if (s != null) {
            s.sendText(message.toString());
        }
    }

    boolean sendBinary(byte[] bytes) {
        RelaySession s = session;
        return s != null && s.sendBinary(bytes);
    }

    void refuse(String reason, String message) {
        server.refused.computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet();
        RelaySession s = session;
        if (s != null && !reason.equals("busy") && !reason.equals("rate_limited")) {
            server.failures.failed(s.remoteAddress());
        }
        LOG.log(System.Logger.Level.INFO, () -> "refused a relay connection: " + reason + ": " + message);
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("type", "refused");
        r.put("reason", reason);
        r.put("message", message);
        sendText(r);
        closeWith(1008, reason);
    }

    void closeWith(int code, String reason) {
        RelaySession s = session;
        server.connections.remove(this);
        if (s != null) {
            s.close(code, reason);
        }
        gone();
    }
}
