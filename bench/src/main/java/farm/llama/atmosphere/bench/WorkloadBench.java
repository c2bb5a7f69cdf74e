package farm.llama.atmosphere.bench;

import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.api.PullStatus;
import farm.llama.atmosphere.runtime.api.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

/**
 * Mesh workloads between two node processes of the built image on loopback: a model file copied
 * with {@code model pull --from} against {@code cp} of the same file on the same disk, and a tool
 * run on the other member against the same tool run locally (both asked of the same node's API).
 */
final class WorkloadBench {

    private WorkloadBench() {
    }

    static void run() throws Exception {
        Path image = MeshBench.image();
        Path work = Files.createTempDirectory("atmosphere-workload-bench");
        Path shared = Files.createDirectories(work.resolve("shared"));
        int mib = Integer.getInteger("bench.file-mib", 256);
        byte[] block = new byte[1 << 20];
        Random random = new Random(1);
        Path file = shared.resolve("model.gguf");
        try (var out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        MeshBench.Node a = MeshBench.start(image, work.resolve("a"), "a", "models:\n  shared-dirs: [\"" + shared + "\"]\n"
                + "tools:\n  grants:\n    mesh: [\"*\"]\n");
        MeshBench.Node b = MeshBench.start(image, work.resolve("b"), "b", "models:\n  dir: \"" + work.resolve("pulled") + "\"\n");
        try {
            a.api().meshCreate("bench");
            MeshBench.await(() -> a.api().mesh().running().orElse(false), Duration.ofSeconds(30));
            b.api().meshJoin(a.api().meshInvite(Duration.ofMinutes(10), 1).token());
            MeshBench.await(() -> b.api().meshJoinStatus().state() == JoinStatus.State.JOINED, Duration.ofSeconds(60));
            String aId = a.id();
            MeshBench.await(() -> "alive".equals(b.state(aId)), Duration.ofSeconds(60));

            int trials = Integer.getInteger("bench.trials", 3);
            double[] cp = new double[trials];
            double[] pull = new double[trials];
            for (int t = 0; t < trials; t++) {
                Path copy = work.resolve("cp-" + t);
                long c0 = System.nanoTime();
                if (new ProcessBuilder("cp", file.toString(), copy.toString()).start().waitFor() != 0) {
                    throw new IllegalStateException("cp failed");
                }
                cp[t] = (System.nanoTime() - c0) / 1e9;
                Files.delete(copy);
                Path pulled = work.resolve("pulled").resolve("model.gguf");
                Files.deleteIfExists(pulled);
                long p0 = System.nanoTime();
                b.api().modelPull("model.gguf", aId, java.util.Optional.empty());
                MeshBench.await(() -> b.api().modelPullStatus().state() != TaskState.RUNNING, Duration.ofMinutes(10));
                pull[t] = (System.nanoTime() - p0) / 1e9;
                PullStatus st = b.api().modelPullStatus();
                if (st.state() != TaskState.DONE) {
                    throw new IllegalStateException("pull failed: " + st);
                }
            }
            double cpMedian = median(cp);
            double pullMedian = median(pull);
            System.out.println();
            System.out.println("## Model file copy between two processes (" + mib + " MiB, " + trials + " trials, loopback, same disk)");
            System.out.println();
            System.out.println("| | median time | throughput |");
            System.out.println("|---|---|---|");
            System.out.printf("| `cp` | %.2f s | %.0f MiB/s |%n", cpMedian, mib / cpMedian);
            System.out.printf("| `model pull --from` | %.2f s | %.0f MiB/s |%n", pullMedian, mib / pullMedian);
            System.out.printf("| ratio pull / cp | %.1fx the time | |%n", pullMedian / cpMedian);

            int n = Integer.getInteger("bench.calls", 400);
            long[] local = new long[n];
            long[] remote = new long[n];
            for (int i = 0; i < 50; i++) { // warm both paths
                b.api().runTool("echo", "{\"message\":\"warm\"}");
                b.api().runToolOn(aId, "echo", "{\"message\":\"warm\"}");
            }
            for (int i = 0; i < n; i++) {
                long l0 = System.nanoTime();
                b.api().runTool("echo", "{\"message\":\"x\"}");
                local[i] = System.nanoTime() - l0;
                long r0 = System.nanoTime();
                b.api().runToolOn(aId, "echo", "{\"message\":\"x\"}");
                remote[i] = System.nanoTime() - r0;
            }
            System.out.println();
            System.out.println("## Tool call on another member against the same tool here (" + n + " calls each, interleaved, through the node's API)");
            System.out.println();
            System.out.println("| | p50 | p99 |");
            System.out.println("|---|---|---|");
            System.out.printf("| `echo` here | %.2f ms | %.2f ms |%n", Bench.percentile(local, 50), Bench.percentile(local, 99));
            System.out.printf("| `echo` on the other member | %.2f ms | %.2f ms |%n", Bench.percentile(remote, 50), Bench.percentile(remote, 99));
            System.out.printf("| added by the hop | %+.2f ms | %+.2f ms |%n", Bench.percentile(remote, 50) - Bench.percentile(local, 50),
                    Bench.percentile(remote, 99) - Bench.percentile(local, 99));
        } finally {
            for (MeshBench.Node x : java.util.List.of(a, b)) {
                x.process().destroyForcibly();
                x.process().waitFor();
            }
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
