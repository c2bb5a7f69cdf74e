package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.api.PendingJoin;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.runtime.util.SafeText;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.transport.Link;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The issuer's side of joins, on links from peers without a membership: a join request is checked
 * (protocol version, proof of the node key, invite, revocations, this node's right to admit) and
 * admitted at once under {@code mesh.approval: auto} with an invite, else kept pending for the
 * owner's {@code approve}; a short-code lookup goes to the {@link ShortCodeDesk}. An admission is
 * remembered for a while, so a joiner that lost the answer gets the same one again. Through a
 * relay, a joiner's message must be sealed to this node ({@link JoinSeal}) and every answer is
 * sealed back under the key inside it. Thread-safe.
 */
final class JoinDesk {

    private static final System.Logger LOG = System.getLogger(JoinDesk.class.getName());
    /** At most this many joins wait for the owner at once. */
    private static final int MAX_PENDING = 64;
    /** How long an admission's answer is kept for a joiner that asks again. */
    private static final Duration APPROVAL_KEPT = Duration.ofMinutes(30);

    /** What the mesh learns of an admission. */
    interface Admissions {
        /**
         * @param nodeId the new member
         * @param name its name
         * @param endpoint where it listens
         */
        void admitted(String nodeId, String name, String endpoint);

        /**
         * @param nodeId a member
         * @return its name as this node knows it, or ""
         */
        String nameOf(String nodeId);
    }

    private record Pending(Joins.Checked checked, String endpoint, Link link, Instant at) {
    }

    private record Approved(ObjectNode answer, Instant at) {
    }

    private final Identity identity;
    private final String nodeName;
    private final MeshStore store;
    private final MeshSettings settings;
    private final Clock clock;
    private final Consumer<NodeEvent> events;
    private final Supplier<Revocations> revocations;
    private final Supplier<Invites> invites;
    private final Supplier<MeshRuntime> runtime;
    private final Supplier<String> endpoint;
    private final Admissions admissions;
    private final ShortCodeDesk codes;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, Approved> approved = new ConcurrentHashMap<>();
    private final Map<String, Long> counts = new ConcurrentHashMap<>(Map.of("granted", 0L, "denied", 0L));

    /**
     * @param identity this node
     * @param nodeName its name
     * @param store its mesh files
     * @param settings {@code mesh.*}
     * @param clock the clock
     * @param events where {@code mesh.join.*} go
     * @param revocations the mesh's revocations, while it runs
     * @param invites this node's invites, while it is in a mesh
     * @param runtime the running mesh, if it runs
     * @param endpoint this node's endpoint, told to the joiner
     * @param admissions what the mesh learns of an admission
     */
    JoinDesk(Identity identity, String nodeName, MeshStore store, MeshSettings settings, Clock clock, Consumer<NodeEvent> events,
             Supplier<Revocations> revocations, Supplier<Invites> invites, Supplier<MeshRuntime> runtime, Supplier<String> endpoint,
             Admissions admissions) {
        this.identity = identity;
        this.nodeName = nodeName;
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.events = events;
        this.revocations = revocations;
        this.invites = invites;
        this.runtime = runtime;
        this.endpoint = endpoint;
        this.admissions = admissions;
        this.codes = new ShortCodeDesk(invites, clock);
    }

    /**
     * A message on a link from a peer without a membership: a join request or a short-code lookup.
     *
     * @param link the link
     * @param frame the message
     */
    void handle(Link link, byte[] frame) {
        Joins.Request request;
        String joinerEndpoint;
        try {
            JsonNode msg = Json.parse(new String(frame, StandardCharsets.UTF_8));
            if (link.needsSealing()) { // through a relay: only what was sealed to this node is read, and answered sealed
                if (!JoinSeal.SEALED.equals(msg.path("type").asText())) {
                    refuse(link, "malformed", "join traffic through a relay must be sealed to the member it is for");
                    return;
                }
                JoinSeal.Opened opened;
                try {
                    opened = JoinSeal.open(msg, identity);
                } catch (MeshSecurityException e) {
                    refuse(link, "malformed", e.getMessage());
                    return;
                }
                link = new SealedLink(link, opened.replyKey());
                msg = opened.inner();
            }
            if ("code".equals(msg.path("type").asText())) {
                answerCode(link, msg);
                return;
            }
            if (!"join".equals(msg.path("type").asText())) {
                refuse(link, "malformed", "expected a join request");
                return;
            }
            int protocol = msg.path("protocol").asInt(2); // joiners before version 3 did not say
            if (protocol != Envelope.VERSION) {
                refuse(link, "version", "the joiner speaks protocol version " + protocol + ", this mesh speaks version " + Envelope.VERSION
                        + "; members of a mesh must run the same version of Atmosphere");
                return;
            }
            request = Json.MAPPER.treeToValue(msg.path("request"), Joins.Request.class);
            if (request != null) {
                // the name is not signed and is shown to the owner: terminal-safe, at most 64 characters
                request = new Joins.Request(request.token(), request.nodeId(), SafeText.name(request.name()),
                        request.publicKey(), request.at(), request.proof());
            }
            joinerEndpoint = msg.path("endpoint").asText("");
            if (request == null || request.nodeId() == null) {
                refuse(link, "malformed", "a join request without a node id");
                return;
            }
        } catch (IOException | IllegalArgumentException e) {
            refuse(link, "malformed", "not a join request");
            return;
        }
        if (!joinerEndpoint.isEmpty() && !joinerEndpoint.matches("wss://[A-Za-z0-9.\\-\\[\\]:]+(/.*)?")
                && !joinerEndpoint.equals(MeshRuntime.RELAY_SCHEME + request.nodeId())) {
            refuse(link, "malformed", "the joiner's endpoint is neither wss://host:port nor relay:<its node id>");
            return;
        }
        Joins.Checked checked;
        try {
            Revocations rev = revocations.get();
            checked = Joins.check(request, identity, store, rev.revoked(), clock.instant());
            if (rev.revoked().contains(identity.nodeId())) {
                throw new MeshSecurityException(MeshSecurityException.Reason.REVOKED, "this node was revoked from the mesh; it admits no one");
            }
            if (store.meshKey().isEmpty() && store.adminCertificate().isEmpty()) {
                throw new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED,
                        "this member cannot admit members; join through the founder or an admin");
            }
        } catch (MeshSecurityException e) {
            refuse(link, e.reason().name().toLowerCase(Locale.ROOT), e.getMessage());
            return;
        }
        Approved ok = approved.get(request.nodeId());
        if (ok != null) {
            send(link, ok.answer());
            return;
        }
        if (settings.approval().equals("auto") && checked.invite() != null) {
            try {
                invites.get().redeem(checked.invite().id(), clock.instant());
            } catch (MeshSecurityException e) {
                refuse(link, e.reason().name().toLowerCase(Locale.ROOT), e.getMessage());
                return;
            }
            send(link, admit(checked, joinerEndpoint));
            return;
        }
        if (pending.size() >= MAX_PENDING && !pending.containsKey(request.nodeId())) {
            refuse(link, "busy", "too many joins are waiting for approval; try later");
            return;
        }
        pending.put(request.nodeId(), new Pending(checked, joinerEndpoint, link, clock.instant()));
        send(link, Json.MAPPER.createObjectNode().put("status", "pending"));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("nodeId", request.nodeId());
        data.put("name", request.name() == null ? "" : request.name());
        data.put("invite", checked.invite() == null ? "" : checked.invite().id());
        events.accept(new NodeEvent("mesh.join.pending", Instant.now(), data));
        String asking = request.nodeId() + " ('" + request.name() + "')";
        LOG.log(System.Logger.Level.INFO, () -> "node " + asking + " asks to join; 'atmosphere approve " + data.get("nodeId")
                + "' admits it, '--deny' refuses");
    }

    private void answerCode(Link link, JsonNode msg) {
        try {
            ObjectNode answer = codes.answer(link.remote(), msg);
            counts.merge("code_answered", 1L, Long::sum);
            send(link, answer);
        } catch (Refusal e) {
            refuse(link, e.reason(), e.getMessage());
        }
    }

    private ObjectNode admit(Joins.Checked checked, String joinerEndpoint) {
        Joins.Grant grant = Joins.grant(checked, store, identity);
        String nodeId = checked.request().nodeId();
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("status", "granted");
        answer.set("grant", Json.MAPPER.valueToTree(grant));
        ArrayNode members = answer.putArray("members");
        ObjectNode me = members.addObject();
        me.put("nodeId", identity.nodeId());
        me.put("name", nodeName);
        me.put("endpoint", endpoint.get());
        MeshRuntime rt = runtime.get();
        if (rt != null) {
            for (Map.Entry<String, MemberState> e : rt.members().entrySet()) {
                if (e.getKey().equals(identity.nodeId()) || e.getKey().equals(nodeId)
                        || !(e.getValue() == MemberState.ALIVE || e.getValue() == MemberState.SUSPECT)) {
                    continue;
                }
                ObjectNode m = members.addObject();
                m.put("nodeId", e.getKey());
                m.put("name", admissions.nameOf(e.getKey()));
                m.put("endpoint", rt.addressOf(e.getKey()));
            }
            rt.admit(nodeId, joinerEndpoint);
        }
        String name = checked.request().name() == null ? "" : checked.request().name();
        admissions.admitted(nodeId, name, joinerEndpoint);
        approved.put(nodeId, new Approved(answer, clock.instant()));
        counts.merge("granted", 1L, Long::sum);
        events.accept(new NodeEvent("mesh.join.granted", Instant.now(), Map.of("nodeId", nodeId, "name", name)));
        LOG.log(System.Logger.Level.INFO, () -> "admitted node " + nodeId + " ('" + name + "') to the mesh");
        return answer;
    }

    private void refuse(Link link, String reason, String message) {
        counts.merge("refused_" + reason, 1L, Long::sum);
        ObjectNode a = Json.MAPPER.createObjectNode();
        a.put("status", "refused");
        a.put("reason", reason);
        a.put("error", message);
        send(link, a);
        LOG.log(System.Logger.Level.INFO, () -> "refused a join from " + link.remote() + ": " + message);
    }

    private static void send(Link link, ObjectNode answer) {
        link.send(Json.write(answer).getBytes(StandardCharsets.UTF_8));
    }

    /** A joiner's link through a relay: every answer is sealed under the reply key its sealed request carried. */
    private record SealedLink(Link relayed, byte[] replyKey) implements Link {
        @Override
        public String transport() {
            return relayed.transport();
        }

        @Override
        public String remote() {
            return relayed.remote();
        }

        @Override
        public List<java.security.cert.X509Certificate> peerCertificates() {
            return List.of();
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> send(byte[] frame) {
            byte[] sealed = Json.write(JoinSeal.reply(replyKey, Json.parse(frame))).getBytes(StandardCharsets.UTF_8);
            return relayed.send(sealed);
        }

        @Override
        public boolean needsSealing() {
            return true;
        }

        @Override
        public boolean isOpen() {
            return relayed.isOpen();
        }

        @Override
        public void close() {
            relayed.close();
        }
    }

    /** @return the joins waiting for approval, oldest first */
    List<PendingJoin> pending() {
        return pending.values().stream().map(JoinDesk::shown).sorted(Comparator.comparing(PendingJoin::at)).toList();
    }

    private static PendingJoin shown(Pending p) {
        return new PendingJoin(p.checked().request().nodeId(), String.valueOf(p.checked().request().name()), p.endpoint(),
                p.checked().invite() == null ? "" : p.checked().invite().id(), p.at().toString());
    }

    /**
     * Approves or denies a pending join.
     *
     * @param nodeId the joiner
     * @param deny refuse instead
     * @return the pending join decided
     * @throws AtmosphereException if nothing is pending for that node, or its invite is used up
     */
    PendingJoin decide(String nodeId, boolean deny) {
        Pending p = pending.remove(nodeId);
        if (p == null) {
            throw new AtmosphereException("No join request from " + nodeId + " is waiting. 'atmosphere approve' lists them.");
        }
        PendingJoin shown = shown(p);
        if (deny) {
            send(p.link(), Json.MAPPER.createObjectNode().put("status", "denied"));
            counts.merge("denied", 1L, Long::sum);
            events.accept(new NodeEvent("mesh.join.denied", Instant.now(), Map.of("nodeId", nodeId)));
            return shown;
        }
        if (p.checked().invite() != null) {
            try {
                invites.get().redeem(p.checked().invite().id(), clock.instant());
            } catch (MeshSecurityException e) {
                pending.put(nodeId, p);
                throw new AtmosphereException("Cannot approve: " + e.getMessage() + ". Deny it with --deny.");
            }
        }
        ObjectNode answer = admit(p.checked(), p.endpoint());
        if (p.link().isOpen()) {
            send(p.link(), answer);
        }
        return shown;
    }

    /** Forgets admissions kept past their time and pending joins older than {@code mesh.join-wait}. */
    void expire() {
        Instant now = clock.instant();
        approved.values().removeIf(a -> a.at().plus(APPROVAL_KEPT).isBefore(now));
        pending.values().removeIf(p -> p.at().plus(settings.joinWait()).isBefore(now));
    }

    /** @return the join counters: granted, denied, refused by reason, codes answered, and how many wait */
    Map<String, Long> counts() {
        Map<String, Long> out = new TreeMap<>(counts);
        out.put("pending", (long) pending.size());
        return out;
    }

    /** Forgets every pending join and kept admission (this node left its mesh). */
    void clear() {
        pending.clear();
        approved.clear();
    }
}
