package farm.llama.atmosphere.runtime.mesh.swim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Three members in virtual time over a network the test controls, message by message. */
class SwimNodeTest {

    private static final SwimConfig CONFIG = new SwimConfig(Duration.ofMillis(200), Duration.ofMillis(100), 2, 2, 3,
            Duration.ofMillis(50), 3, 4, Duration.ofSeconds(5), 1400);

    private final Map<String, SwimNode> nodes = new LinkedHashMap<>();
    private final List<String> changes = new ArrayList<>();
    private final Queue<SwimMessage> wire = new ArrayDeque<>();
    private Predicate<SwimMessage> lost = m -> false;
    private long now;

    private void start(List<String> ids) {
        for (String id : ids) {
            SwimNode node = new SwimNode(id, CONFIG, new Random(id.hashCode()), wire::add, new SwimObserver() {
                @Override
                public void stateChanged(String observer, String member, MemberState state, long at) {
                    changes.add(observer + " took " + member + " for " + state);
                }

                @Override
                public void capabilitiesLearned(String observer, String member, long version, long at) {
                }
            }, Statements.unchecked(64));
            nodes.put(id, node);
        }
        for (String id : ids) {
            // every member starts at incarnation 0, as a test's node does
            nodes.get(id).start(ids.stream().filter(o -> !o.equals(id)).toList(), now, 0, "addr-" + id);
        }
    }

    private void run(Duration d) {
        long end = now + d.toMillis();
        for (; now < end; now += 10) {
            nodes.values().forEach(n -> n.tick(now));
            while (!wire.isEmpty()) {
                SwimMessage m = wire.poll();
                if (!lost.test(m)) {
                    nodes.get(m.to()).receive(m, now);
                }
            }
        }
    }

    @Test
    void aMemberSuspectedByOneNodeHearsOfItRefutesAndIsAliveToEveryone() {
        start(List.of("a", "b", "c"));
        run(Duration.ofSeconds(2));
        // a's probes of b, direct and through c, are lost (b still reaches a): a suspects b, and unless
        // b hears of it and refutes, a declares it dead
        lost = m -> m.from().equals("a") && (m.to().equals("b") || m.kind() == SwimMessage.Kind.PING_REQ && m.target().equals("b"));
        run(Duration.ofSeconds(10));
        assertTrue(changes.contains("a took b for SUSPECT"), changes.toString());
        lost = m -> false;
        run(Duration.ofSeconds(30));
        for (String observer : nodes.keySet()) {
            for (String member : nodes.keySet()) {
                assertEquals(MemberState.ALIVE, nodes.get(observer).stateOf(member), observer + " sees " + member);
            }
        }
    }
}
