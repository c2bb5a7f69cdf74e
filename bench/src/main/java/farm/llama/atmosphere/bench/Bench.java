package farm.llama.atmosphere.bench;

/**
 * Benchmark harness entry point: {@code routing} (decision latency at 100, 1 000 and 20 000
 * capabilities), {@code proxy} (the same requests to a test backend directly and through a node,
 * side by side), {@code hop} (a request served one hop away against the same served locally), {@code continue} (from a
 * backend's death mid-answer to the first continued token, locally and one hop away), {@code mesh} (join and
 * failure detection between image processes), {@code workload} (model file copy against cp, remote
 * tool call against local, between image processes), {@code lan} (join by token against join by
 * short code found over mDNS), {@code join} (a join through a relay by two nodes that listen
 * nowhere against a direct join), {@code relay}, {@code flood} (a stranger's connections to the
 * mesh port: resident memory of the node, before and after), {@code dashboard} (bytes the page loads
 * and navigation to a filled members table in headless Chromium), or {@code all}. Results print as Markdown tables for BENCHMARKS.md.
 */
public final class Bench {

    private Bench() {
    }

    /**
     * @param args {@code routing}, {@code hop}, {@code continue}, {@code mesh}, {@code workload}, {@code lan}, {@code join}, {@code relay}, {@code flood}, {@code dashboard}, {@code dashboard-load} or {@code all}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "all";
        System.out.println("java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        if (which.equals("routing") || which.equals("all")) {
            RoutingBench.run();
        }
        if (which.equals("proxy")) {
            System.out.println("The proxy bench is bench/proxy.sh now: wrk against the image's node, beside nginx.");
        }
        if (which.equals("hop") || which.equals("all")) {
            HopBench.run();
        }
        if (which.equals("continue") || which.equals("all")) {
            ContinueBench.run();
        }
        if (which.equals("mesh") || which.equals("all")) {
            MeshBench.run(Integer.getInteger("bench.trials", 3));
        }
        if (which.equals("workload") || which.equals("all")) {
            WorkloadBench.run();
        }
        if (which.equals("lan") || which.equals("all")) {
            LanBench.run(Integer.getInteger("bench.trials", 3));
        }
        if (which.equals("join") || which.equals("all")) {
            JoinBench.run(Integer.getInteger("bench.trials", 6));
        }
        if (which.equals("relay") || which.equals("all")) {
            RelayBench.run();
        }
        if (which.equals("flood") || which.equals("all")) {
            FloodBench.run();
        }
        if (which.equals("dashboard") || which.equals("all")) {
            DashboardBench.run(Integer.getInteger("bench.loads", 20));
        }
        if (which.equals("dashboard-load") || which.equals("all")) {
            DashboardLoadBench.run(Integer.getInteger("bench.seconds", 300), Integer.getInteger("bench.rate", 200));
        }
    }

    static double percentile(long[] nanos, double p) {
        long[] s = nanos.clone();
        java.util.Arrays.sort(s);
        int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))] / 1e6;
    }
}
