package farm.llama.atmosphere.runtime.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.api.RequestRecord;
import farm.llama.atmosphere.runtime.api.UsageReport;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.runtime.util.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The usage figures and the request log: windows by the minute, bounds, and who sees the texts. */
class UsageTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-05T10:00:30Z"));

    private static RequestRecord request(String model, String node, String client, long ms, int in, int out, int status, List<String> failover) {
        return new RequestRecord("req", "at", client, "chat", false, "auto", node + "/ollama/" + model, node, model, failover, ms / 2, ms, in, out,
                status, Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Test
    void figuresAddUpSinceStartPerMinuteAndPerModelNodeAndClient() {
        Usage usage = new Usage(clock, 64);
        usage.record(request("llama3.2:3b", "a", "local", 100, 10, 20, 200, List.of()));
        usage.record(request("qwen2.5-coder:7b", "b", "key:laptop", 300, 5, 7, 200, List.of("a/ollama/qwen2.5-coder:7b (down)")));
        clock.now = clock.now.plus(Duration.ofMinutes(2));
        usage.record(request("llama3.2:3b", "a", "local", 200, 1, 2, 502, List.of()));

        UsageReport r = usage.report();
        UsageReport.Figures total = r.sinceStart().total();
        assertEquals(3, total.requests());
        assertEquals(1, total.errors());
        assertEquals(1, total.failovers());
        assertEquals(16, total.tokensIn());
        assertEquals(29, total.tokensOut());
        assertEquals(300, total.latencyMs().max());
        assertEquals(List.of("llama3.2:3b", "qwen2.5-coder:7b"), List.copyOf(r.sinceStart().byModel().keySet()), "most requests first");
        assertEquals(2, r.sinceStart().byModel().get("llama3.2:3b").requests());
        assertEquals(1, r.sinceStart().byNode().get("b").requests());
        assertEquals(7, r.sinceStart().byClient().get("key:laptop").tokensOut());

        assertEquals(Usage.MINUTES, r.minutes().size(), "an hour of minutes, empty ones too");
        UsageReport.Minute last = r.minutes().get(Usage.MINUTES - 1);
        assertEquals("2026-12-05T10:02:00Z", last.start());
        assertEquals(1, last.figures().requests());
        assertEquals(2, r.minutes().get(Usage.MINUTES - 3).figures().requests(), "two requests in 10:00");
        assertEquals("2026-12-05T10:00:00Z", r.minutes().get(Usage.MINUTES - 3).start());
        assertEquals(3, r.lastHour().total().requests());
    }

    @Test
    void aMinuteOlderThanAnHourLeavesTheLastHourButNotTheTotal() {
        Usage usage = new Usage(clock, 64);
        usage.record(request("m", "a", "local", 10, 1, 1, 200, List.of()));
        clock.now = clock.now.plus(Duration.ofMinutes(59));
        usage.record(request("m", "a", "local", 10, 1, 1, 200, List.of()));
        assertEquals(2, usage.report().lastHour().total().requests(), "10:00 is still within the hour at 10:59");
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        UsageReport r = usage.report();
        assertEquals(1, r.lastHour().total().requests(), "10:00 has left it at 11:00");
        assertEquals(2, r.sinceStart().total().requests());
        // the slot 10:00 used is reused for 11:00, not added to
        usage.record(request("m", "a", "local", 10, 1, 1, 200, List.of()));
        assertEquals(1, usage.report().minutes().get(Usage.MINUTES - 1).figures().requests());
    }

    @Test
    void percentilesComeFromBucketsTwentyPercentWideAndNeverExceedTheLongest() {
        Usage usage = new Usage(clock, 64);
        for (int ms = 1; ms <= 100; ms++) {
            usage.record(request("m", "a", "local", ms, 0, 0, 200, List.of()));
        }
        UsageReport.Latency l = usage.report().sinceStart().total().latencyMs();
        assertTrue(l.p50() >= 50 && l.p50() <= 60, "p50 " + l.p50());
        assertTrue(l.p90() >= 90 && l.p90() <= 100, "p90 " + l.p90());
        assertEquals(100, l.p99(), "capped at the longest");
        assertEquals(100, l.max());
        assertEquals(new UsageReport.Latency(0, 0, 0, 0), new Usage(clock, 64).report().sinceStart().total().latencyMs(), "no requests: zeros");
    }

    @Test
    void eachSplitHoldsAtMostItsBoundAndCountsTheRestAsOther() {
        Usage usage = new Usage(clock, 4);
        for (int i = 0; i < 10; i++) {
            usage.record(request("model-" + i, "a", "key:k" + i, 10, 1, 1, 200, List.of()));
        }
        UsageReport r = usage.report();
        assertEquals(4, r.sinceStart().byModel().size(), "three names and (other)");
        assertEquals(7, r.sinceStart().byModel().get(Usage.OTHER).requests());
        assertEquals(4, r.lastHour().byClient().size());
        assertEquals(10, r.sinceStart().total().requests(), "nothing lost from the total");
    }

    @Test
    void theLogKeepsTheNewestPublishesEachAndShowsTextsToAdminsOnly() {
        List<NodeEvent> events = new ArrayList<>();
        RequestLog log = new RequestLog(events::add, clock, true);
        for (int i = 0; i < RequestLog.KEPT + 3; i++) {
            RequestTrace t = log.start("local", "chat");
            t.asked("auto", true);
            t.prompt("secret prompt " + i);
            t.answer("secret answer");
            t.end();
            t.end(); // once
        }
        assertEquals(RequestLog.KEPT + 3, events.size(), "one request.completed per request");
        assertEquals("request.completed", events.get(0).type());
        assertEquals(RequestLog.KEPT, log.recent(RequestLog.KEPT + 10, true).size(), "bounded");
        RequestRecord newest = log.recent(1, true).get(0);
        assertEquals("req-" + (RequestLog.KEPT + 3), newest.requestId());
        assertEquals(Optional.of("secret prompt " + (RequestLog.KEPT + 2)), newest.prompt());
        assertFalse(log.recent(1, false).get(0).prompt().isPresent() || log.recent(1, false).get(0).answer().isPresent(), "not to others");
        assertFalse(log.find(newest.requestId(), false).orElseThrow().request().answer().isPresent());
        assertTrue(log.find("req-1", true).isEmpty(), "the oldest are gone");

        RequestLog quiet = new RequestLog(events::add, clock, false);
        RequestTrace t = quiet.start("local", "chat");
        t.prompt("never kept");
        t.end();
        assertFalse(quiet.recent(1, true).get(0).prompt().isPresent(), "without ui.show-prompts no text is kept at all");
        assertFalse(events.get(events.size() - 1).data().containsKey("prompt"));
    }
}
