package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.api.PolicyReport;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.ConfigView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What this node offers to the other members, enforced here on every forwarded request against
 * the verified sender: model globs allowed and denied (for everyone, or per member), and a rate
 * and a concurrency limit per member. From the {@code policy} section of the config:
 *
 * <pre>
 * policy:
 *   share: true                 # offer this node's models to the mesh at all
 *   allow: ["*"]                # model globs offered
 *   deny: ["*70b*"]             # model globs never offered
 *   rate: 120/m                 # requests per member: N/s, N/m or N/h
 *   concurrency: 4              # requests per member at once
 *   peers:
 *     3f9c0a1b2c3d4e5f:         # a member's node id
 *       deny: ["llama3*"]
 *       rate: 10/m
 * </pre>
 *
 * A refusal names the rule that refused. Thread-safe.
 */
public final class SharingPolicy {

    private static final Pattern RATE = Pattern.compile("(\\d+)\\s*/\\s*(s|m|h)");

    /** A rate: {@code count} requests per {@code seconds}. */
    record Rate(int count, int seconds, String text) {
    }

    private record Rules(List<String> allow, List<String> deny, Optional<Rate> rate, Optional<Integer> concurrency) {
    }

    private final boolean share;
    private final Rules global;
    private final Rate rate;
    private final int concurrency;
    private final Map<String, Rules> peers;
    private final Map<String, double[]> buckets = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();

    private SharingPolicy(boolean share, Rules global, Rate rate, int concurrency, Map<String, Rules> peers) {
        this.share = share;
        this.global = global;
        this.rate = rate;
        this.concurrency = concurrency;
        this.peers = peers;
    }

    /**
     * @param policy the {@code policy} config section
     * @return the policy
     * @throws AtmosphereException naming the key of a bad value
     */
    public static SharingPolicy of(ConfigView policy) {
        Rules global = rules(policy, "policy");
        Rate rate = global.rate().orElseThrow();
        int concurrency = global.concurrency().orElseThrow();
        Map<String, Rules> peers = new LinkedHashMap<>();
        Object section = policy.asMap().get("peers");
        if (section instanceof Map<?, ?> map) {
            for (Object id : map.keySet()) {
                String node = String.valueOf(id);
                if (!Identity.isNodeId(node)) {
                    throw new AtmosphereException("policy.peers." + node + ": a node id is 16 hex characters ('atmosphere mesh members' lists them).");
                }
                peers.put(node, rules(policy.subtree("peers").subtree(node), "policy.peers." + node));
            }
        }
        return new SharingPolicy(policy.bool("share").orElseThrow(), global, rate, concurrency, peers);
    }

    private static Rules rules(ConfigView v, String where) {
        Optional<Rate> rate = v.string("rate").map(s -> parse(s, where + ".rate"));
        Optional<Integer> concurrency = v.number("concurrency").map(n -> {
            if (n < 1 || n > 1000) {
                throw new AtmosphereException(where + ".concurrency must be 1-1000, got " + n + ".");
            }
            return n.intValue();
        });
        List<String> allow = v.list("allow");
        return new Rules(allow.isEmpty() && where.equals("policy") ? List.of("*") : allow, v.list("deny"), rate, concurrency);
    }

    private static Rate parse(String s, String where) {
        Matcher m = RATE.matcher(s.trim().toLowerCase(Locale.ROOT));
        if (!m.matches() || Integer.parseInt(m.group(1)) < 1) {
            throw new AtmosphereException(where + ": expected a rate such as 60/m, 5/s or 1000/h, got '" + s + "'.");
        }
        int seconds = switch (m.group(2)) {
            case "s" -> 1;
            case "m" -> 60;
            default -> 3600;
        };
        return new Rate(Integer.parseInt(m.group(1)), seconds, s.trim());
    }

    static boolean glob(String pattern, String text) {
        StringBuilder re = new StringBuilder();
        for (char ch : pattern.toLowerCase(Locale.ROOT).toCharArray()) {
            switch (ch) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return text.toLowerCase(Locale.ROOT).matches(re.toString());
    }

    private static Optional<String> first(List<String> globs, String model) {
        return globs.stream().filter(g -> glob(g, model)).findFirst();
    }

    /**
     * @param model a model name
     * @return whether this node offers it to the mesh at all (what its profile publishes)
     */
    public boolean offers(String model) {
        return share && first(global.deny(), model).isEmpty() && first(global.allow(), model).isPresent();
    }

    /**
     * Checks a request from a member and, if admitted, counts it as running.
     *
     * @param peer the verified sender
     * @param model the model asked for
     * @return empty if admitted (then {@link #done} must follow), else why, naming the rule
     */
    public Optional<String> admit(String peer, String model) {
        Optional<String> refused = allows(peer, model);
        if (refused.isPresent()) {
            return refused;
        }
        Rules p = peers.get(peer);
        Rate r = p != null && p.rate().isPresent() ? p.rate().get() : rate;
        String rateKey = p != null && p.rate().isPresent() ? "policy.peers." + peer + ".rate" : "policy.rate";
        if (!take(peer, r)) {
            return Optional.of("rate limit " + rateKey + " " + r.text() + " for node " + peer + " reached; try again shortly");
        }
        int cap = concurrency(peer);
        AtomicInteger n = running.computeIfAbsent(peer, k -> new AtomicInteger());
        if (n.incrementAndGet() > cap) {
            n.decrementAndGet();
            return Optional.of("node " + peer + " already runs " + cap + " requests here (policy concurrency); try again shortly");
        }
        return Optional.empty();
    }

    /**
     * Whether a member may have a model (or a shared file) at all: {@code share}, then the deny and
     * allow globs, the member's own first. No rate or concurrency is counted.
     *
     * @param peer the verified sender
     * @param model the model or file name asked for
     * @return empty if allowed, else why, naming the rule
     */
    public Optional<String> allows(String peer, String model) {
        if (!share) {
            return Optional.of("refused by policy.share: false — this node shares nothing with the mesh");
        }
        Rules p = peers.get(peer);
        if (p != null) {
            Optional<String> d = first(p.deny(), model);
            if (d.isPresent()) {
                return Optional.of("'" + model + "' is denied to node " + peer + " by policy.peers." + peer + ".deny '" + d.get() + "'");
            }
        }
        Optional<String> d = first(global.deny(), model);
        if (d.isPresent()) {
            return Optional.of("'" + model + "' is not shared: policy.deny '" + d.get() + "'");
        }
        boolean allowedForPeer = p != null && first(p.allow(), model).isPresent();
        if (!allowedForPeer && first(global.allow(), model).isEmpty()) {
            return Optional.of("'" + model + "' is not shared: it matches no glob in policy.allow " + global.allow());
        }
        return Optional.empty();
    }

    /**
     * @param peer a member
     * @return how many of its requests this node runs at once ({@code policy.peers.<id>.concurrency}, else {@code policy.concurrency})
     */
    public int concurrency(String peer) {
        Rules p = peers.get(peer);
        return p != null && p.concurrency().isPresent() ? p.concurrency().get() : concurrency;
    }

    /** @param peer a member whose admitted request ended */
    public void done(String peer) {
        AtomicInteger n = running.get(peer);
        if (n != null) {
            n.decrementAndGet();
        }
    }

    private boolean take(String peer, Rate r) {
        double perMs = r.count() / (r.seconds() * 1000.0);
        long now = System.currentTimeMillis();
        double[] b = buckets.computeIfAbsent(peer, k -> new double[] {r.count(), now});
        synchronized (b) {
            b[0] = Math.min(r.count(), b[0] + (now - b[1]) * perMs);
            b[1] = now;
            if (b[0] < 1) {
                return false;
            }
            b[0] -= 1;
            return true;
        }
    }

    /** @return the effective policy, defaults filled in, for {@code policy show} */
    public PolicyReport describe() {
        Map<String, PolicyReport.Peer> ps = new LinkedHashMap<>();
        peers.forEach((id, r) -> ps.put(id, new PolicyReport.Peer(r.allow(), r.deny(), r.rate().map(Rate::text), r.concurrency())));
        return new PolicyReport(share, global.allow(), global.deny(), rate.text(), concurrency, ps,
                List.of("enforced on this node for every request another member forwards here"));
    }
}
