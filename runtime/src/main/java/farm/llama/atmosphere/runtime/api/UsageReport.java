package farm.llama.atmosphere.runtime.api;

import java.util.List;
import java.util.Map;

/**
 * What the OpenAI-compatible API served ({@code GET /api/v1/usage}): since the node started and over
 * the last hour, in total, per model, per node that served and per client; and the last hour minute
 * by minute. Kept in memory: a restart starts again.
 *
 * @param since when counting began (the node's start, ISO-8601)
 * @param now when this report was made
 * @param sinceStart the figures since then
 * @param lastHour the figures of the last 60 minutes (this one included)
 * @param minutes the last 60 minutes, oldest first, each with its totals (a minute without requests has zeros)
 */
public record UsageReport(String since, String now, Breakdown sinceStart, Breakdown lastHour, List<Minute> minutes) {

    /** Copies. */
    public UsageReport {
        minutes = List.copyOf(minutes);
    }

    /**
     * Figures in total and split three ways. Each split holds at most a bounded number of names; the
     * rest are counted under {@code (other)}.
     *
     * @param total all requests
     * @param byModel per model that served ({@code (none)} when nothing did)
     * @param byNode per node that served
     * @param byClient per client (API key name, {@code admin}, {@code dashboard}, {@code local})
     */
    public record Breakdown(Figures total, Map<String, Figures> byModel, Map<String, Figures> byNode, Map<String, Figures> byClient) {

        /** Copies, keeping the order. */
        public Breakdown {
            byModel = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byModel));
            byNode = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byNode));
            byClient = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byClient));
        }
    }

    /**
     * @param requests requests that ended
     * @param errors those that failed (an error status, or a stream that broke)
     * @param failovers those that were served after another route failed
     * @param tokensIn prompt tokens, as the backends counted them
     * @param tokensOut completion tokens, as the backends counted them
     * @param latencyMs total time of the requests, in milliseconds: percentiles from a histogram whose
     *                  buckets are 20% wide (each figure is its bucket's upper bound), and the largest exactly
     */
    public record Figures(long requests, long errors, long failovers, long tokensIn, long tokensOut, Latency latencyMs) {
    }

    /**
     * @param p50 the median
     * @param p90 the 90th percentile
     * @param p99 the 99th percentile
     * @param max the longest
     */
    public record Latency(long p50, long p90, long p99, long max) {
    }

    /**
     * @param start the minute's start (ISO-8601)
     * @param figures its totals
     */
    public record Minute(String start, Figures figures) {
    }
}
