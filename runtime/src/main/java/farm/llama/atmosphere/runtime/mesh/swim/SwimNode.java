package farm.llama.atmosphere.runtime.mesh.swim;

import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage.Kind;
import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage.Update;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One node's side of the membership protocol: SWIM probing (direct, then indirect through k
 * members), suspicion with incarnation numbers and refutation, a suspicion timeout that shrinks
 * with independent confirmations (Lifeguard), dissemination piggy-backed on every message plus
 * periodic gossip to a few members, and periodic push-pull anti-entropy. Each member's
 * capability version travels with its membership updates (last writer wins by version).
 *
 * <p>Every update carries its member's own signed statement ({@link Statements}): a node signs
 * its incarnation, capability version, address and leaving, and takes a statement about another
 * member only with that member's signature. Others may call a member suspect or dead, but only at
 * the incarnation it signed, so a refutation never overflows and nobody can move, evict or invent
 * a member. An address learned another way (a member admitted here, one heard on the LAN) is a
 * hint to probe, never passed on.
 *
 * <p>Time is given by the caller ({@link #tick}, {@link #receive}), so the same code runs on a
 * real clock and in the simulator's virtual time. Not thread-safe: one caller at a time.
 */
public final class SwimNode {

    private static final class Member {
        long incarnation;
        MemberState state = MemberState.ALIVE;
        long capabilities;
        /** The address the member signed. */
        String address = "";
        /** An address learned otherwise (admitted here, heard on the LAN): probed, never passed on. */
        String hint = "";
        /** The member's signature over (incarnation, capabilities, address, left or alive). */
        byte[] sig = new byte[0];
        long suspectedAt;
        long suspicionTimeout;
        final Set<String> confirmations = new HashSet<>();
    }

    private record Probe(String target, long sentAt, boolean indirectSent) {
    }

    private record Relay(String origin, long originSeq, String target) {
    }

    private final String id;
    private final SwimConfig config;
    private final Random random;
    private final Consumer<SwimMessage> network;
    private final SwimObserver observer;
    private final Statements statements;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final GossipQueue gossip = new GossipQueue();
    private final Map<Long, Probe> probes = new LinkedHashMap<>();
    private final Map<Long, Relay> relays = new LinkedHashMap<>();
    private final List<String> probeOrder = new ArrayList<>();
    private final Set<String> suspects = new LinkedHashSet<>();
    private List<String> live;
    private int probeIndex;
    private long seq;
    private long nextProbe;
    private long nextGossip;
    private long nextSync;
    private long sent;
    /** Whether every message carries this node's own update (real meshes: it teaches peers our address). */
    private boolean announce;

    /**
     * @param id this node
     * @param config timers
     * @param random this node's random source (seeded in the simulator)
     * @param network sends a message (may drop it)
     * @param observer told of every state change it makes or learns
     * @param statements signs this node's statements and checks others'
     */
    public SwimNode(String id, SwimConfig config, Random random, Consumer<SwimMessage> network, SwimObserver observer, Statements statements) {
        this.id = id;
        this.config = config;
        this.random = random;
        this.network = network;
        this.observer = observer;
        this.statements = statements;
        members.put(id, new Member());
        resign();
    }

    /** @return whether a statement with this signature can be passed on (others would take it) */
    private boolean vouched(byte[] sig) {
        return sig.length > 0 || !statements.signs();
    }

    /** Signs this node's statement again after a change of incarnation, capabilities, address or leaving. */
    private void resign() {
        Member me = members.get(id);
        me.sig = statements.sign(new Update(id, me.incarnation, me.state, me.capabilities, me.address));
    }

    /** @return this node's id */
    public String id() {
        return id;
    }

    /** @return messages this node has sent */
    public long sent() {
        return sent;
    }

    /**
     * Starts with a known membership (after a join), all alive.
     *
     * @param others the other members
     * @param now the time, ms
     */
    public void start(List<String> others, long now) {
        begin(others, now);
    }

    /**
     * Starts in a converged mesh: every member's signed statement already known, as after a while
     * of gossip (the simulator's starting point; nothing is re-announced).
     *
     * @param statements each member's own signed statement, this node's among them (skipped)
     * @param now the time, ms
     */
    public void startConverged(List<Update> statements, long now) {
        List<String> others = new ArrayList<>();
        for (Update u : statements) {
            if (!u.node().equals(id)) {
                Member m = new Member();
                m.incarnation = u.incarnation();
                m.capabilities = u.capabilities();
                m.address = u.address();
                m.sig = u.sig();
                members.put(u.node(), m);
                others.add(u.node());
            }
        }
        begin(others, now);
    }

    /** @return this node's own signed statement */
    public Update statement() {
        return updateOf(id);
    }

    /**
     * Starts with a known membership and announces this node.
     *
     * @param others the other members
     * @param now the time, ms
     * @param incarnation this node's first incarnation (a restarted node starts above any it had,
     *                    so its announcement outranks an old death certificate)
     * @param address where this node can be reached
     */
    public void start(List<String> others, long now, long incarnation, String address) {
        Member me = members.get(id);
        me.incarnation = incarnation;
        me.address = address;
        resign();
        announce = true;
        gossip.enqueue(id);
        begin(others, now);
        // a node that just (re)joined exchanges its whole view soon, as memberlist's join does
        nextSync = now + (long) (random.nextDouble() * config.probeInterval().toMillis());
    }

    private void begin(List<String> others, long now) {
        for (String o : others) {
            if (!o.equals(id) && !members.containsKey(o)) {
                // known by name only: below any incarnation, so the member's first signed statement is
                // taken (at incarnation 0 too) and what others say of it can be passed on and refuted
                Member m = new Member();
                m.incarnation = -1;
                members.put(o, m);
            }
        }
        live = null;
        long probe = config.probeInterval().toMillis();
        nextProbe = now + (long) (random.nextDouble() * probe);
        nextGossip = now + (long) (random.nextDouble() * config.gossipInterval().toMillis());
        nextSync = now + config.pushPullInterval().toMillis() + (long) (random.nextDouble() * config.pushPullInterval().toMillis());
    }

    /**
     * Publishes a new version of this node's capabilities.
     *
     * @param version the version (rises)
     */
    public void publishCapabilities(long version) {
        Member me = members.get(id);
        me.capabilities = version;
        resign();
        gossip.enqueue(id);
    }

    /**
     * Removes a member for good (it was revoked): it is no longer probed or gossiped to, and no
     * later claim that it is alive brings it back.
     *
     * @param member the member
     * @param now the time, ms
     */
    public void expel(String member, long now) {
        Member m = members.get(member);
        if (m == null || member.equals(id) || (m.state == MemberState.LEFT && m.incarnation == Long.MAX_VALUE)) {
            return;
        }
        m.state = MemberState.LEFT;
        m.incarnation = Long.MAX_VALUE;
        suspects.remove(member);
        live = null;
        observer.stateChanged(id, member, MemberState.LEFT, now);
    }

    /**
     * Undoes {@link #expel}: the member's revocation turned out void. It is dead here until its
     * own statements say otherwise.
     *
     * @param member the member
     * @param now the time, ms
     */
    public void pardon(String member, long now) {
        Member m = members.get(member);
        if (m == null || m.incarnation != Long.MAX_VALUE) {
            return;
        }
        m.incarnation = 0;
        m.state = MemberState.DEAD;
        live = null;
        observer.stateChanged(id, member, MemberState.DEAD, now);
    }

    /** @return the state this node believes a member is in, or null if unknown */
    public MemberState stateOf(String member) {
        Member m = members.get(member);
        return m == null ? null : m.state;
    }

    /** @return where a member can be reached (a fresh hint first, then the address it signed), "" if unknown */
    public String addressOf(String member) {
        Member m = members.get(member);
        return m == null ? "" : m.hint.isEmpty() ? m.address : m.hint;
    }

    /**
     * Adds a member this node has just admitted (or heard on the LAN), alive here, to be probed at
     * the address given. The address is a hint: it is never passed on, and the member's own signed
     * statements spread its membership.
     *
     * @param member the new member
     * @param address where it can be reached
     * @param now the time, ms
     */
    public void admit(String member, String address, long now) {
        Member m = members.get(member);
        if (m != null && m.state == MemberState.LEFT && m.incarnation == Long.MAX_VALUE) {
            return;
        }
        if (m == null) {
            m = new Member();
            members.put(member, m);
        }
        m.hint = address;
        m.state = MemberState.ALIVE;
        live = null;
        if (vouched(m.sig)) {
            gossip.enqueue(member);
        }
        observer.stateChanged(id, member, MemberState.ALIVE, now);
    }

    /**
     * This node leaves: it declares itself left at a higher incarnation.
     *
     * @param now the time, ms
     * @return the update announcing it
     */
    public Update leave(long now) {
        Member me = members.get(id);
        me.incarnation++;
        me.state = MemberState.LEFT;
        resign();
        gossip.enqueue(id);
        return updateOf(id);
    }

    /** @return the members this node believes alive or suspect, itself excluded */
    public List<String> liveMembers() {
        return liveOthers();
    }

    /** @return the capability version this node knows for a member */
    public long capabilitiesOf(String member) {
        Member m = members.get(member);
        return m == null ? -1 : m.capabilities;
    }

    private int liveCount() {
        liveOthers();
        return live.size() + 1;
    }

    private Update updateOf(String member) {
        Member m = members.get(member);
        return new Update(member, m.incarnation, m.state, m.capabilities, m.address, m.sig);
    }

    /**
     * Pending updates to piggy-back, least sent first, as many as fit the byte budget; each is
     * retransmitted a bounded number of times. Costs what it returns, not what is pending.
     */
    private List<Update> piggyback() {
        int limit = config.retransmitMult() * (int) Math.ceil(Math.log10(members.size() + 1));
        return gossip.take(limit, config.maxPiggybackBytes(), this::updateOf, u -> u.node().equals(id) || vouched(u.sig()));
    }

    /** An ack always says who answers, at which incarnation and capability version: a prober learns both first-hand. */
    private List<Update> withSelf(List<Update> updates) {
        for (Update u : updates) {
            if (u.node().equals(id)) {
                return updates;
            }
        }
        List<Update> out = new ArrayList<>(updates.size() + 1);
        out.addAll(updates);
        out.add(updateOf(id));
        return out;
    }

    private void send(Kind kind, String to, long seqNo, String target, List<Update> updates) {
        if (announce) {
            updates = withSelf(updates);
        }
        sent++;
        network.accept(new SwimMessage(kind, id, to, seqNo, target, updates));
    }

    /** @return a fresh copy of the live members other than this node (cached between state changes) */
    private List<String> liveOthers() {
        if (live == null) {
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, Member> e : members.entrySet()) {
                MemberState s = e.getValue().state;
                if (!e.getKey().equals(id) && (s == MemberState.ALIVE || s == MemberState.SUSPECT)) {
                    out.add(e.getKey());
                }
            }
            live = out;
        }
        return new ArrayList<>(live);
    }

    /** Picks up to k random live members without copying the whole list. */
    private List<String> randomLive(int k, String exclude) {
        liveOthers();
        List<String> out = new ArrayList<>(k);
        int size = live.size();
        for (int tries = 0; out.size() < k && tries < k * 4 && size > 0; tries++) {
            String c = live.get(random.nextInt(size));
            if (!c.equals(exclude) && !out.contains(c)) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * Runs the timers due at {@code now}.
     *
     * @param now the time, ms
     */
    public void tick(long now) {
        // probes: indirect after the timeout, suspicion after the interval
        for (Map.Entry<Long, Probe> e : new ArrayList<>(probes.entrySet())) {
            Probe p = e.getValue();
            if (!p.indirectSent() && now >= p.sentAt() + config.probeTimeout().toMillis()) {
                for (String h : randomLive(config.indirectChecks(), p.target())) {
                    send(Kind.PING_REQ, h, e.getKey(), p.target(), piggyback());
                }
                probes.put(e.getKey(), new Probe(p.target(), p.sentAt(), true));
            } else if (now >= p.sentAt() + config.probeInterval().toMillis()) {
                probes.remove(e.getKey());
                suspect(p.target(), id, now);
            }
        }
        if (relays.size() > 1000) {
            relays.clear();
        }
        // suspicion timeouts
        for (String s : new ArrayList<>(suspects)) {
            Member m = members.get(s);
            if (m.state != MemberState.SUSPECT) {
                suspects.remove(s);
            } else if (now >= m.suspectedAt + m.suspicionTimeout) {
                m.state = MemberState.DEAD;
                suspects.remove(s);
                live = null;
                gossip.enqueue(s);
                observer.stateChanged(id, s, MemberState.DEAD, now);
            }
        }
        if (now >= nextProbe) {
            nextProbe = now + config.probeInterval().toMillis();
            String target = nextTarget();
            if (target != null) {
                long s = ++seq;
                probes.put(s, new Probe(target, now, false));
                send(Kind.PING, target, s, "", piggyback());
            }
        }
        if (now >= nextGossip) {
            nextGossip = now + config.gossipInterval().toMillis();
            if (!gossip.isEmpty()) {
                for (String t : randomLive(config.gossipFanout(), id)) {
                    List<Update> u = piggyback();
                    if (u.isEmpty()) {
                        break;
                    }
                    send(Kind.GOSSIP, t, 0, "", u);
                }
            }
        }
        if (now >= nextSync) {
            nextSync = now + config.pushPullInterval().toMillis();
            List<String> targets = randomLive(1, id);
            if (!targets.isEmpty()) {
                send(Kind.SYNC, targets.get(0), 0, "", fullState());
            }
        }
    }

    private List<Update> fullState() {
        List<Update> all = new ArrayList<>();
        for (Map.Entry<String, Member> e : members.entrySet()) {
            if (vouched(e.getValue().sig)) {
                all.add(updateOf(e.getKey()));
            }
        }
        return all;
    }

    /** Round-robin over a shuffled list of live members, reshuffled each round, as SWIM prescribes. */
    private String nextTarget() {
        for (int tries = 0; tries < 2; tries++) {
            while (probeIndex < probeOrder.size()) {
                String t = probeOrder.get(probeIndex++);
                Member m = members.get(t);
                if (m != null && (m.state == MemberState.ALIVE || m.state == MemberState.SUSPECT)) {
                    return t;
                }
            }
            probeOrder.clear();
            probeOrder.addAll(liveOthers());
            Collections.shuffle(probeOrder, random);
            probeIndex = 0;
        }
        return null;
    }

    private long suspicionTimeout(int confirmations) {
        return config.suspicionTimeout(liveCount(), confirmations);
    }

    private void suspect(String member, String by, long now) {
        Member m = members.get(member);
        if (m == null || member.equals(id)) {
            return;
        }
        if (m.state == MemberState.ALIVE) {
            m.state = MemberState.SUSPECT;
            suspects.add(member);
            m.suspectedAt = now;
            m.confirmations.clear();
            m.confirmations.add(by);
            m.suspicionTimeout = suspicionTimeout(0);
            gossip.enqueue(member);
            observer.stateChanged(id, member, MemberState.SUSPECT, now);
        } else if (m.state == MemberState.SUSPECT && m.confirmations.add(by)) {
            m.suspicionTimeout = suspicionTimeout(m.confirmations.size() - 1);
        }
    }

    /**
     * Handles a message.
     *
     * @param msg the message
     * @param now the time, ms
     */
    public void receive(SwimMessage msg, long now) {
        for (Update u : msg.updates()) {
            merge(u, msg.from(), now);
        }
        switch (msg.kind()) {
            case PING -> send(Kind.ACK, msg.from(), msg.seq(), msg.target(), withSelf(piggyback()));
            case ACK -> {
                if (!msg.target().isEmpty() && !msg.target().equals(id)) {
                    // an ack to a probe we relayed: pass it on to the origin
                    Relay r = relays.remove(msg.seq());
                    if (r != null) {
                        send(Kind.ACK, r.origin(), r.originSeq(), "", piggyback());
                    }
                } else {
                    Probe p = probes.remove(msg.seq());
                    if (p != null && !p.indirectSent() && p.target().equals(msg.from())) {
                        observer.acked(msg.from(), now - p.sentAt());
                    }
                }
            }
            case PING_REQ -> {
                long s = ++seq;
                relays.put(s, new Relay(msg.from(), msg.seq(), msg.target()));
                send(Kind.PING, msg.target(), s, msg.target(), piggyback());
            }
            case GOSSIP -> {
                // updates already merged
            }
            case SYNC -> send(Kind.SYNC_REPLY, msg.from(), 0, "", fullState());
            case SYNC_REPLY -> {
                // merged above
            }
            default -> throw new IllegalStateException(msg.kind().toString());
        }
    }

    private void merge(Update u, String from, long now) {
        if (u.node().equals(id)) {
            Member me = members.get(id);
            if ((u.state() == MemberState.SUSPECT || u.state() == MemberState.DEAD) && me.state == MemberState.ALIVE
                    && statements.check(u, from) == Statements.Check.VALID) {
                if (u.incarnation() >= me.incarnation && u.incarnation() < Long.MAX_VALUE - 1) {
                    // refute: only this node raises its own incarnation, and only past one it signed itself
                    me.incarnation = u.incarnation() + 1;
                    resign();
                }
                // a claim about an older incarnation (someone who never heard this node announce
                // itself) is answered by announcing the current one again
                gossip.enqueue(id);
            }
            return;
        }
        Member m = members.get(u.node());
        if (m != null && m.state == MemberState.LEFT && m.incarnation == Long.MAX_VALUE) {
            return; // expelled here for good
        }
        Statements.Check check = statements.check(u, from);
        if (check != Statements.Check.VALID) {
            observer.refused(from, u, check);
            return;
        }
        boolean known = m != null;
        if (!known) {
            m = new Member();
            m.incarnation = -1;
            members.put(u.node(), m);
            live = null;
        }
        switch (u.state()) {
            case ALIVE -> {
                if (u.incarnation() > m.incarnation) {
                    boolean changed = !known || m.state != MemberState.ALIVE;
                    adopt(m, u, now);
                    m.state = MemberState.ALIVE;
                    live = null;
                    gossip.enqueue(u.node());
                    if (changed) {
                        observer.stateChanged(id, u.node(), MemberState.ALIVE, now);
                    }
                } else if (u.incarnation() == m.incarnation && u.capabilities() > m.capabilities && m.state != MemberState.LEFT) {
                    adopt(m, u, now);
                    gossip.enqueue(u.node());
                }
            }
            case SUSPECT -> {
                if (u.incarnation() >= m.incarnation && m.state != MemberState.DEAD && m.state != MemberState.LEFT) {
                    if (u.incarnation() > m.incarnation && m.state == MemberState.SUSPECT) {
                        m.state = MemberState.ALIVE;
                    }
                    if (u.incarnation() > m.incarnation || u.capabilities() > m.capabilities) {
                        adopt(m, u, now);
                    }
                    suspect(u.node(), from, now);
                }
            }
            case DEAD, LEFT -> {
                if (u.incarnation() >= m.incarnation && m.state != MemberState.DEAD && m.state != MemberState.LEFT) {
                    if (u.incarnation() > m.incarnation || u.capabilities() > m.capabilities || u.state() == MemberState.LEFT) {
                        adopt(m, u, now);
                    }
                    m.state = u.state();
                    live = null;
                    gossip.enqueue(u.node());
                    observer.stateChanged(id, u.node(), u.state(), now);
                }
            }
            default -> throw new IllegalStateException(u.state().toString());
        }
    }

    /** Takes a member's signed statement as the one this node knows and passes on, whole. */
    private void adopt(Member m, Update u, long now) {
        m.incarnation = u.incarnation();
        if (!u.address().isEmpty() && !u.address().equals(m.address)) {
            m.hint = ""; // the member's own word is newer than any hint
        }
        m.address = u.address();
        m.sig = u.sig();
        if (u.capabilities() > m.capabilities) {
            observer.capabilitiesLearned(id, u.node(), u.capabilities(), now);
        }
        m.capabilities = u.capabilities();
    }
}
