package farm.llama.atmosphere.runtime.usage;

import farm.llama.atmosphere.runtime.api.RequestRecord;
import farm.llama.atmosphere.runtime.api.UsageReport;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage figures of the requests that ended: since start and per minute over the last hour, in total
 * and per model, node and client. Memory is bounded: 60 minutes are kept, and each split holds at
 * most {@code maxNames} names (the rest are counted under {@code (other)}). Thread-safe.
 */
public final class Usage {

    /** Minutes kept. */
    public static final int MINUTES = 60;
    /** The name a split counts the rest under once it is full. */
    public static final String OTHER = "(other)";

    private final Clock clock;
    private final int maxNames;
    private final Instant since;
    private final Split sinceStart;
    private final Split[] minutes = new Split[MINUTES];
    private final long[] minuteOf = new long[MINUTES];

    /**
     * @param clock the clock (a virtual one in tests)
     * @param maxNames names each split holds at most
     */
    public Usage(Clock clock, int maxNames) {
        this.clock = clock;
        this.maxNames = maxNames;
        this.since = clock.instant();
        this.sinceStart = new Split(maxNames);
        java.util.Arrays.fill(minuteOf, -1);
    }

    /** Counts a request that ended. */
    public synchronized void record(RequestRecord r) {
        long minute = clock.millis() / 60_000;
        int slot = (int) (minute % MINUTES);
        if (minuteOf[slot] != minute) {
            minutes[slot] = new Split(maxNames);
            minuteOf[slot] = minute;
        }
        sinceStart.add(r);
        minutes[slot].add(r);
    }

    /** @return the figures now */
    public synchronized UsageReport report() {
        long now = clock.millis() / 60_000;
        Split hour = new Split(maxNames);
        List<UsageReport.Minute> perMinute = new ArrayList<>();
        for (long m = now - MINUTES + 1; m <= now; m++) {
            int slot = (int) (m % MINUTES);
            Counts counts = new Counts();
            if (minuteOf[slot] == m) {
                hour.merge(minutes[slot]);
                counts.merge(minutes[slot].total);
            }
            perMinute.add(new UsageReport.Minute(Instant.ofEpochMilli(m * 60_000).toString(), counts.figures()));
        }
        return new UsageReport(since.toString(), clock.instant().toString(), sinceStart.breakdown(), hour.breakdown(), perMinute);
    }

    /** Counts in total and per name of three kinds. */
    private static final class Split {
        final int maxNames;
        final Counts total = new Counts();
        final Map<String, Counts> byModel = new LinkedHashMap<>();
        final Map<String, Counts> byNode = new LinkedHashMap<>();
        final Map<String, Counts> byClient = new LinkedHashMap<>();

        Split(int maxNames) {
            this.maxNames = maxNames;
        }

        void add(RequestRecord r) {
            total.add(r);
            counts(byModel, r.model().isEmpty() ? "(none)" : r.model()).add(r);
            counts(byNode, r.node().isEmpty() ? "(none)" : r.node()).add(r);
            counts(byClient, r.client()).add(r);
        }

        void merge(Split other) {
            total.merge(other.total);
            other.byModel.forEach((k, v) -> counts(byModel, k).merge(v));
            other.byNode.forEach((k, v) -> counts(byNode, k).merge(v));
            other.byClient.forEach((k, v) -> counts(byClient, k).merge(v));
        }

        private Counts counts(Map<String, Counts> split, String name) {
            Counts c = split.get(name);
            if (c == null) {
                // full: new names are counted together (OTHER itself takes the last place)
                if (split.size() >= maxNames - 1 && !name.equals(OTHER)) {
                    return split.computeIfAbsent(OTHER, k -> new Counts());
                }
                c = new Counts();
                split.put(name, c);
            }
            return c;
        }

        UsageReport.Breakdown breakdown() {
            return new UsageReport.Breakdown(total.figures(), figures(byModel), figures(byNode), figures(byClient));
        }

        /** @return the split's figures, most requests first */
        private static Map<String, UsageReport.Figures> figures(Map<String, Counts> split) {
            Map<String, UsageReport.Figures> out = new LinkedHashMap<>();
            split.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, Counts> e) -> -e.getValue().requests)
                    .thenComparing(Map.Entry::getKey)).forEach(e -> out.put(e.getKey(), e.getValue().figures()));
            return out;
        }
    }

    /** Counters and a latency histogram. */
    static final class Counts {
        /** Bucket {@code i} holds latencies up to {@code 1.2^i} ms; 90 buckets reach past an hour. */
        static final int BUCKETS = 90;
        static final double GROWTH = 1.2;

        long requests;
        long errors;
        long failovers;
        long tokensIn;
        long tokensOut;
        long max;
        final long[] latency = new long[BUCKETS];

        void add(RequestRecord r) {
            requests++;
            errors += r.failed() ? 1 : 0;
            failovers += r.failover().isEmpty() ? 0 : 1;
            tokensIn += r.tokensIn();
            tokensOut += r.tokensOut();
            long ms = Math.max(0, r.totalMs());
            max = Math.max(max, ms);
            latency[bucket(ms)]++;
        }

        void merge(Counts o) {
            requests += o.requests;
            errors += o.errors;
            failovers += o.failovers;
            tokensIn += o.tokensIn;
            tokensOut += o.tokensOut;
            max = Math.max(max, o.max);
            for (int i = 0; i < BUCKETS; i++) {
                latency[i] += o.latency[i];
            }
        }

        static int bucket(long ms) {
            if (ms <= 1) {
                return 0;
            }
            int i = (int) Math.ceil(Math.log(ms) / Math.log(GROWTH) - 1e-9);
            return Math.min(BUCKETS - 1, i);
        }

        /** @return the upper bound of the bucket holding the q-th quantile, never above the largest seen */
        long percentile(double q) {
            if (requests == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(q * requests);
            long seen = 0;
            for (int i = 0; i < BUCKETS; i++) {
                seen += latency[i];
                if (seen >= rank) {
                    return Math.min(max, (long) Math.ceil(Math.pow(GROWTH, i)));
                }
            }
            return max;
        }

        UsageReport.Figures figures() {
            return new UsageReport.Figures(requests, errors, failovers, tokensIn, tokensOut,
                    new UsageReport.Latency(percentile(0.5), percentile(0.9), percentile(0.99), max));
        }
    }
}
