package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.runtime.mesh.swim.Statements;
import farm.llama.atmosphere.runtime.mesh.swim.SwimConfig;
import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage;
import farm.llama.atmosphere.runtime.mesh.swim.SwimNode;
import farm.llama.atmosphere.runtime.mesh.swim.SwimObserver;
import farm.llama.atmosphere.runtime.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs N nodes' real membership code ({@link SwimNode}) over an in-memory network with virtual
 * time, loss and latency, and measures what the mesh notices: how fast a capability update
 * reaches every node, how fast killed nodes are suspected and confirmed dead everywhere, false
 * deaths, and messages per node per second. The same seed gives the same report.
 *
 * <p>Messages are not signed here: a signature check is a constant cost per message, reported
 * as the message count ({@code signer: none}).
 */
public final class Simulator {

    /**
     * What to simulate.
     *
     * @param nodes how many nodes
     * @param loss probability that a message is lost (0..1)
     * @param latencyMs one-way latency; each message gets it ±20%
     * @param seed the random seed
     * @param kills how many nodes are killed, one after another
     * @param config protocol timers
     * @param crypto whether every message is sealed in a signed envelope and verified (N ≤ 100)
     */
    public record Options(int nodes, double loss, int latencyMs, long seed, int kills, SwimConfig config, boolean crypto,
                          boolean signedStatements) {
        /** Without real signatures; statements carry a signature's bytes. */
        public Options(int nodes, double loss, int latencyMs, long seed, int kills, SwimConfig config) {
            this(nodes, loss, latencyMs, seed, kills, config, false, true);
        }

        /** Statements carry a signature's bytes (real ones with {@code crypto}). */
        public Options(int nodes, double loss, int latencyMs, long seed, int kills, SwimConfig config, boolean crypto) {
            this(nodes, loss, latencyMs, seed, kills, config, crypto, true);
        }

        /** Validates. */
        public Options {
            if (crypto && !signedStatements) {
                throw new IllegalArgumentException("--crypto signs statements; it cannot be combined with unsigned statements");
            }
            if (crypto && nodes > 100) {
                throw new IllegalArgumentException("--crypto signs and verifies every message: use it with at most 100 nodes");
            }
            if (nodes < 2) {
                throw new IllegalArgumentException("--nodes must be at least 2, got " + nodes);
            }
            if (loss < 0 || loss >= 1) {
                throw new IllegalArgumentException("--loss must be in [0, 1), got " + loss);
            }
            if (latencyMs < 0) {
                throw new IllegalArgumentException("--latency must be ≥ 0, got " + latencyMs);
            }
            if (kills < 0 || kills >= nodes) {
                throw new IllegalArgumentException("kills must be in [0, nodes)");
            }
        }
    }

    private static final long TICK = 20;

    private record Event(long time, long order, int node, SwimMessage message, byte[] sealed) {
    }

    private final Options options;
    private final Random random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.time != b.time
            ? Long.compare(a.time, b.time) : Long.compare(a.order, b.order));
    private final List<SwimNode> nodes = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();
    private final Set<Integer> killed = new HashSet<>();
    private long order;
    private long now;
    private final long epoch = System.currentTimeMillis();
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(epoch + now);
        }
    };
    private final List<EnvelopeCodec> codecs = new ArrayList<>();
    private final List<EnvelopeVerifier> verifiers = new ArrayList<>();
    private long signed;
    private long verified;
    private long refusedEnvelopes;
    private long bytesSent;
    private final Map<String, PublicKey> statementKeys = new HashMap<>();
    private final List<Identity> identities = new ArrayList<>();

    /**
     * @param options what to simulate
     */
    public Simulator(Options options) {
        this.options = options;
        this.random = new Random(options.seed());
    }

    /** @return the report as plain values, in a fixed order */
    public Map<String, Object> run() {
        int n = options.nodes();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(String.format("n%05d", i));
            index.put(ids.get(i), i);
        }
        long warmup = 5_000;
        long updateAt = warmup;
        long firstKill = warmup + 20_000;
        long killEvery = 30_000;
        long end = firstKill + killEvery * Math.max(1, options.kills()) + 10_000;
        long[] learned = new long[n];
        Arrays.fill(learned, -1);
        learned[0] = updateAt;
        Map<String, Long> killTime = new LinkedHashMap<>();
        Map<String, Long> firstSuspicion = new LinkedHashMap<>();
        Map<String, Set<String>> deadAt = new HashMap<>();
        Map<String, Long> allDead = new LinkedHashMap<>();
        Set<String> falseDeaths = new TreeSet<>();
        SwimObserver observer = new SwimObserver() {
            @Override
            public void stateChanged(String by, String member, MemberState state, long t) {
                if (state == MemberState.SUSPECT && killTime.containsKey(member)) {
                    firstSuspicion.putIfAbsent(member, t - killTime.get(member));
                }
                if (state == MemberState.DEAD) {
                    if (!killTime.containsKey(member)) {
                        falseDeaths.add(member);
                    } else {
                        Set<String> seen = deadAt.computeIfAbsent(member, k -> new HashSet<>());
                        seen.add(by);
                        if (seen.size() >= n - killed.size() && !allDead.containsKey(member)) {
                            allDead.put(member, t - killTime.get(member));
                        }
                    }
                }
            }

            @Override
            public void capabilitiesLearned(String by, String member, long version, long t) {
                if (member.equals(ids.get(0)) && version == 1) {
                    int i = index.get(by);
                    if (learned[i] < 0) {
                        learned[i] = t;
                    }
                }
            }
        };
        if (options.crypto()) {
            setUpCrypto(ids);
        }
        for (int i = 0; i < n; i++) {
            nodes.add(new SwimNode(ids.get(i), options.config(), new Random(random.nextLong()),
                    msg -> deliver(msg), observer, statements(i)));
        }
        // a converged mesh: every node holds every member's signed statement
        List<SwimMessage.Update> statements = nodes.stream().map(SwimNode::statement).toList();
        for (SwimNode node : nodes) {
            node.startConverged(statements, 0);
        }
        List<Integer> victims = new ArrayList<>();
        for (int k = 0; k < options.kills(); k++) {
            int v;
            do {
                v = 1 + random.nextInt(n - 1);
            } while (victims.contains(v));
            victims.add(v);
        }
        boolean updated = false;
        int nextKill = 0;
        while (now <= end) {
            long next = now + TICK;
            while (!queue.isEmpty() && queue.peek().time() < next) {
                Event e = queue.poll();
                now = e.time();
                if (!killed.contains(e.node())) {
                    SwimMessage m = e.message();
                    if (e.sealed() != null) {
                        m = open(e.node(), e.sealed());
                    }
                    if (m != null) {
                        nodes.get(e.node()).receive(m, now);
                    }
                }
            }
            now = next;
            if (!updated && now >= updateAt) {
                nodes.get(0).publishCapabilities(1);
                updated = true;
            }
            if (nextKill < victims.size() && now >= firstKill + killEvery * nextKill) {
                int v = victims.get(nextKill++);
                killed.add(v);
                killTime.put(ids.get(v), now);
            }
            for (int i = 0; i < n; i++) {
                if (!killed.contains(i)) {
                    nodes.get(i).tick(now);
                }
            }
        }
        return report(ids, learned, updateAt, killTime, firstSuspicion, allDead, falseDeaths, end);
    }

    /**
     * With --crypto each node signs its statements with its own key and checks the others'; otherwise
     * statements carry a signature's 64 bytes unchecked (or none, to measure what signing costs).
     */
    private Statements statements(int node) {
        if (!options.crypto()) {
            return Statements.unchecked(options.signedStatements() ? 64 : 0);
        }
        Identity me = identities.get(node);
        return new Statements() {
            @Override
            public byte[] sign(SwimMessage.Update own) {
                return me.sign(Statements.signedBytes(own));
            }

            @Override
            public Check check(SwimMessage.Update u, String from) {
                PublicKey key = statementKeys.get(u.node());
                if (u.sig().length == 0) {
                    return Check.UNSIGNED;
                }
                return key == null ? Check.UNKNOWN_SIGNER
                        : Identity.verify(key, Statements.signedBytes(u), u.sig()) ? Check.VALID : Check.FORGED;
            }
        };
    }

    private void deliver(SwimMessage msg) {
        bytesSent += 80 + msg.from().length() + msg.to().length() + msg.target().length()
                + msg.updates().stream().mapToInt(SwimMessage.Update::wireSize).sum();
        if (random.nextDouble() < options.loss()) {
            return;
        }
        Integer to = index.get(msg.to());
        if (to == null) {
            return;
        }
        double jitter = 0.8 + 0.4 * random.nextDouble();
        long at = now + Math.max(1, Math.round(options.latencyMs() * jitter));
        byte[] sealed = null;
        if (options.crypto()) {
            sealed = codecs.get(index.get(msg.from())).seal(msg.to(), "swim",
                    Json.write(msg).getBytes(StandardCharsets.UTF_8));
            signed++;
        }
        queue.add(new Event(at, order++, to, options.crypto() ? null : msg, sealed));
    }

    /** Every node gets an identity and a membership certificate from one mesh key. */
    private void setUpCrypto(List<String> ids) {
        try {
            KeyPair mesh = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            X509Certificate root = MeshCertificates.root(mesh.getPublic(), mesh.getPrivate(), "sim");
            for (int i = 0; i < ids.size(); i++) {
                Identity id = Identity.generate("sim-" + i);
                identities.add(id);
                statementKeys.put(ids.get(i), id.publicKey());
                X509Certificate cert = MeshCertificates.member(root, mesh.getPrivate(), id.publicKey(),
                        Duration.ofDays(1));
                codecs.add(new EnvelopeCodec(id, List.of(cert), clock));
                verifiers.add(new EnvelopeVerifier(root, () -> MeshCertificates.Withdrawn.NONE, clock, Duration.ofMinutes(1)));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Verifies a sealed message at its recipient; refused ones are dropped and counted. */
    private SwimMessage open(int node, byte[] sealed) {
        try {
            EnvelopeVerifier.Verified v = verifiers.get(node).verify(sealed);
            verified++;
            return Json.MAPPER.readValue(v.envelope().payload(), SwimMessage.class);
        } catch (MeshSecurityException | IOException e) {
            refusedEnvelopes++;
            return null;
        }
    }

    private Map<String, Object> report(List<String> ids, long[] learned, long updateAt, Map<String, Long> killTime,
                                       Map<String, Long> firstSuspicion, Map<String, Long> allDead,
                                       Set<String> falseDeaths, long end) {
        int n = ids.size();
        long[] reach = Arrays.stream(learned).filter(t -> t >= 0).map(t -> t - updateAt).sorted().toArray();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("nodes", n);
        r.put("loss", options.loss());
        r.put("latencyMs", options.latencyMs());
        r.put("seed", options.seed());
        r.put("probeIntervalMs", options.config().probeInterval().toMillis());
        r.put("gossipIntervalMs", options.config().gossipInterval().toMillis());
        r.put("tickMs", TICK);
        if (options.crypto()) {
            r.put("signer", "Ed25519 envelopes: " + signed + " signed, " + verified + " verified, " + refusedEnvelopes + " refused");
        } else {
            r.put("signer", options.signedStatements()
                    ? "none (envelopes and statements are not signed in the simulator, but statements carry a signature's 64 bytes;"
                            + " a real node signs and checks each one; --crypto signs)"
                    : "none, and statements carry no signature (--unsigned-statements: what signing costs)");
        }
        Map<String, Object> update = new LinkedHashMap<>();
        update.put("reached", reach.length);
        update.put("p99Ms", reach.length >= Math.ceil(0.99 * n) ? reach[(int) Math.ceil(0.99 * n) - 1] : null);
        update.put("allMs", reach.length == n ? reach[n - 1] : null);
        r.put("capabilityUpdate", update);
        List<Map<String, Object>> kills = new ArrayList<>();
        for (String v : killTime.keySet()) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("node", v);
            k.put("firstSuspicionMs", firstSuspicion.get(v));
            k.put("deadEverywhereMs", allDead.get(v));
            kills.add(k);
        }
        r.put("kills", kills);
        r.put("falseDeaths", falseDeaths.size());
        long total = 0;
        for (SwimNode node : nodes) {
            total += node.sent();
        }
        r.put("messagesPerNodePerSecond", Math.round(total * 1000.0 / n / end * 100) / 100.0);
        r.put("payloadBytesPerMessage", total == 0 ? 0 : Math.round((double) bytesSent / total));
        r.put("virtualSeconds", end / 1000);
        return r;
    }
}
