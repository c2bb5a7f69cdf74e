package farm.llama.atmosphere.bench;

import farm.llama.atmosphere.runtime.api.JoinStatus;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A join through a relay against a direct one, between image processes on loopback: a relay
 * process, a founder that listens (websocket and relay) and a founder that listens nowhere (relay
 * only). Each trial starts two fresh serving joiners and, interleaved, has one join the listening
 * founder directly and the other join the relay-only founder through the relay (the joiner listens
 * nowhere either); both stop before the next trial. Timed: the join request to {@code joined} at
 * the joiner, and to the joiner seen alive by the founder.
 */
final class JoinBench {

    private JoinBench() {
    }

    static void run(int trials) throws Exception {
        Path image = MeshBench.image();
        Path work = Files.createTempDirectory("atmosphere-join-bench");
        int relayPort;
        try (ServerSocket s = new ServerSocket(0)) {
            relayPort = s.getLocalPort();
        }
        String relayUrl = "ws://127.0.0.1:" + relayPort;
        Process relay = new ProcessBuilder(image.resolve("bin/atmosphere").toString(), "relay", "serve", "--host", "127.0.0.1", "--port",
                String.valueOf(relayPort)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<MeshBench.Node> nodes = new ArrayList<>();
        try {
            HttpClient http = HttpClient.newHttpClient();
            MeshBench.await(() -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relayPort + "/health")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(30));
            String relayOnly = "  mdns: false\n  transports: [relay]\n  relays: [" + relayUrl + "]\n";
            MeshBench.Node direct = MeshBench.start(image, work.resolve("direct"), "direct", "  mdns: false\n");
            MeshBench.Node through = MeshBench.start(image, work.resolve("relayed"), "relayed", relayOnly);
            nodes.add(direct);
            nodes.add(through);
            direct.api().meshCreate("bench-direct");
            through.api().meshCreate("bench-relay");
            MeshBench.await(() -> direct.api().mesh().running().orElse(false) && through.api().mesh().running().orElse(false),
                    Duration.ofSeconds(30));
            MeshBench.await(() -> String.valueOf(through.api().network().relays()).contains("admitted"), Duration.ofSeconds(30));
            long[][] directTimes = new long[2][trials];
            long[][] relayTimes = new long[2][trials];
            for (int t = 0; t < trials; t++) {
                MeshBench.Node a = MeshBench.start(image, work.resolve("d" + t), "d" + t, "  mdns: false\n");
                MeshBench.Node b = MeshBench.start(image, work.resolve("r" + t), "r" + t, relayOnly);
                long[] first;
                long[] second;
                try {
                    first = join(t % 2 == 0 ? direct : through, t % 2 == 0 ? a : b);
                    second = join(t % 2 == 0 ? through : direct, t % 2 == 0 ? b : a);
                } finally { // each trial's joiners stop before the next: the machine stays as loaded in every trial
                    for (MeshBench.Node n : List.of(a, b)) {
                        n.process().destroyForcibly();
                        n.process().waitFor();
                    }
                }
                long[] d = t % 2 == 0 ? first : second;
                long[] r = t % 2 == 0 ? second : first;
                directTimes[0][t] = d[0];
                directTimes[1][t] = d[1];
                relayTimes[0][t] = r[0];
                relayTimes[1][t] = r[1];
            }
            System.out.println();
            System.out.println("## Joining through a relay against directly (" + trials
                    + " trials, image processes, loopback, interleaved; serving joiners)");
            System.out.println();
            System.out.println("| join | to `joined` at the joiner: median | min | max | to the joiner alive at the founder: median | min | max |");
            System.out.println("|---|---|---|---|---|---|---|");
            row("direct (founder's mesh port, TLS)", directTimes);
            row("through a relay (both listen nowhere; sealed)", relayTimes);
            double ratio = Bench.percentile(relayTimes[0], 50) / Bench.percentile(directTimes[0], 50);
            System.out.printf("%nrelay / direct, median to `joined`: %.2f×%n", ratio);
        } finally {
            for (MeshBench.Node n : nodes) {
                n.process().destroyForcibly();
                n.process().waitFor();
            }
            relay.destroyForcibly();
            relay.waitFor();
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
    }

    /** @return nanoseconds from the join request to {@code joined} at the joiner, and to the joiner alive at the founder */
    private static long[] join(MeshBench.Node founder, MeshBench.Node joiner) throws Exception {
        String token = founder.api().meshInvite(Duration.ofMinutes(10), 1).token();
        String id = joiner.id();
        long t0 = System.nanoTime();
        joiner.api().meshJoin(token);
        MeshBench.await(() -> joiner.api().meshJoinStatus().state() == JoinStatus.State.JOINED, Duration.ofSeconds(60));
        long joined = System.nanoTime() - t0;
        MeshBench.await(() -> "alive".equals(founder.state(id)), Duration.ofSeconds(60));
        return new long[] {joined, System.nanoTime() - t0};
    }

    private static void row(String what, long[][] times) {
        System.out.printf("| %s | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms |%n", what,
                Bench.percentile(times[0], 50), Bench.percentile(times[0], 0), Bench.percentile(times[0], 100),
                Bench.percentile(times[1], 50), Bench.percentile(times[1], 0), Bench.percentile(times[1], 100));
    }
}
