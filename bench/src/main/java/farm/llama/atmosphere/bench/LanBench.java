package farm.llama.atmosphere.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * Joining on a LAN: the same founder process admits fresh joiner processes of the built image,
 * alternately by invite token and by short code (the issuer found over mDNS on loopback). The time
 * is the {@code atmosphere mesh join} command's wall time, process start included.
 */
final class LanBench {

    private LanBench() {
    }

    static void run(int trials) throws Exception {
        Path image = MeshBench.image();
        Path work = Files.createTempDirectory("atmosphere-lan-bench");
        MeshBench.Node founder = MeshBench.start(image, work.resolve("founder"), "founder"); // mesh bound to 127.0.0.1: mDNS there too
        try {
            founder.api().meshCreate("bench");
            MeshBench.await(() -> founder.api().mesh().running().orElse(false), Duration.ofSeconds(30));
            double[] byToken = new double[trials];
            double[] byCode = new double[trials];
            for (int t = 0; t < trials; t++) {
                var invite = founder.api().meshInvite(Duration.ofMinutes(10), 2);
                byToken[t] = join(image, work.resolve("t" + t), invite.token());
                byCode[t] = join(image, work.resolve("c" + t), invite.code());
            }
            System.out.println();
            System.out.println("## Joining on a LAN (" + trials + " trials, image processes, loopback; `mesh join` wall time)");
            System.out.println();
            System.out.println("| target | median | min | max |");
            System.out.println("|---|---|---|---|");
            row("invite token", byToken);
            row("short code (issuer found over mDNS)", byCode);
        } finally {
            founder.process().destroyForcibly();
            founder.process().waitFor();
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
    }

    private static void row(String what, double[] seconds) {
        double[] s = seconds.clone();
        Arrays.sort(s);
        System.out.printf("| %s | %.2f s | %.2f s | %.2f s |%n", what, s[s.length / 2], s[0], s[s.length - 1]);
    }

    /** A fresh node that is not serving joins in-process through the CLI, as a user's first command would. */
    private static double join(Path image, Path data, String target) throws Exception {
        Files.createDirectories(data);
        ProcessBuilder init = new ProcessBuilder(image.resolve("bin/atmosphere").toString(), "init")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        init.environment().put("ATMOSPHERE_DATA_DIR", data.toString());
        if (init.start().waitFor() != 0) {
            throw new IllegalStateException("init failed in " + data);
        }
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(data.resolve("config.yaml"), "discovery:\n  probe-default-ports: false\nmesh:\n  bind: 127.0.0.1\n"
                + "  port: " + port + "\n  mdns-address: 127.0.0.1\n");
        ProcessBuilder pb = new ProcessBuilder(image.resolve("bin/atmosphere").toString(), "mesh", "join", target)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("ATMOSPHERE_DATA_DIR", data.toString());
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("mesh join " + target.substring(0, Math.min(20, target.length())) + "… failed");
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
