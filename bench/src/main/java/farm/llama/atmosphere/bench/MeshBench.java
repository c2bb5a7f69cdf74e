package farm.llama.atmosphere.bench;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeClient;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.api.MeshMember;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The mesh between real node processes of the built image on loopback, with the default protocol
 * timers (probe 1 s, gossip 200 ms): how long a join takes, and how long the others take to
 * suspect and to confirm the death of a node killed with SIGKILL. Each trial starts three fresh
 * nodes; results print as a Markdown table.
 */
final class MeshBench {

    private MeshBench() {
    }

    record Node(Path data, Process process, NodeClient api) {
        String state(String id) {
            for (MeshMember m : api.meshMembers()) {
                if (id.equals(m.nodeId())) {
                    return m.state();
                }
            }
            return "unknown";
        }

        String id() {
            return api.status().nodeId();
        }
    }

    static void run(int trials) throws Exception {
        Path image = image();
        System.out.println();
        System.out.println("## Mesh between processes (" + trials + " trials, 3 nodes, default timers, loopback)");
        System.out.println();
        System.out.println("| trial | join (request to granted, in the node) | joiner seen alive by the founder | `mesh join` CLI, wall | first suspicion after kill -9 | dead at both others |");
        System.out.println("|---|---|---|---|---|---|");
        for (int t = 1; t <= trials; t++) {
            trial(image, t);
        }
    }

    static Path image() {
        Path image = Path.of(System.getProperty("atmosphere.bench.image", "../jlink/target/atmosphere")).toAbsolutePath();
        if (!Files.isExecutable(image.resolve("bin/atmosphere"))) {
            throw new IllegalStateException("build the image first: ./mvnw -q package -DskipTests (looked in " + image + ")");
        }
        return image;
    }

    private static void trial(Path image, int n) throws Exception {
        Path work = Files.createTempDirectory("atmosphere-mesh-bench");
        List<Node> nodes = new ArrayList<>();
        try {
            for (String name : List.of("a", "b", "c")) {
                nodes.add(start(image, work.resolve(name), name));
            }
            Node a = nodes.get(0);
            Node b = nodes.get(1);
            Node c = nodes.get(2);
            a.api().meshCreate("bench");
            await(() -> a.api().mesh().running().orElse(false), Duration.ofSeconds(30));
            String token = a.api().meshInvite(Duration.ofMinutes(10), 2).token();

            long t0 = System.nanoTime();
            b.api().meshJoin(token);
            await(() -> b.api().meshJoinStatus().state() == JoinStatus.State.JOINED, Duration.ofSeconds(60));
            long joined = System.nanoTime() - t0;
            String bId = b.id();
            await(() -> "alive".equals(a.state(bId)), Duration.ofSeconds(60));
            long seen = System.nanoTime() - t0;

            long c0 = System.nanoTime();
            Process join = withData(new ProcessBuilder(image.resolve("bin/atmosphere").toString(), "mesh", "join", token), c.data())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (join.waitFor() != 0) {
                throw new IllegalStateException("mesh join failed");
            }
            long cliWall = System.nanoTime() - c0;
            String cId = c.id();
            for (Node x : nodes) {
                for (String id : List.of(a.id(), bId, cId)) {
                    await(() -> "alive".equals(x.state(id)), Duration.ofSeconds(60));
                }
            }
            Thread.sleep(3000); // settle: a few probe rounds with everyone alive

            c.process().destroyForcibly();
            long k0 = System.nanoTime();
            long suspected = -1;
            long dead = -1;
            while (System.nanoTime() - k0 < Duration.ofSeconds(90).toNanos()) {
                String sa = a.state(cId);
                String sb = b.state(cId);
                long now = System.nanoTime() - k0;
                if (suspected < 0 && (!sa.equals("alive") || !sb.equals("alive"))) {
                    suspected = now;
                }
                if (sa.equals("dead") && sb.equals("dead")) {
                    dead = now;
                    break;
                }
                Thread.sleep(20);
            }
            System.out.printf("| %d | %d ms | %d ms | %d ms | %.1f s | %.1f s |%n", n, joined / 1_000_000, seen / 1_000_000,
                    cliWall / 1_000_000, suspected / 1e9, dead / 1e9);
        } finally {
            for (Node x : nodes) {
                x.process().destroyForcibly();
                x.process().waitFor();
            }
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
    }

    private static ProcessBuilder withData(ProcessBuilder pb, Path data) {
        pb.environment().put("ATMOSPHERE_DATA_DIR", data.toString());
        return pb;
    }

    static Node start(Path image, Path data, String name) throws Exception {
        return start(image, data, name, "");
    }

    static Node start(Path image, Path data, String name, String extra) throws Exception {
        Files.createDirectories(data);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(data.resolve("config.yaml"), """
                node:
                  name: %s
                discovery:
                  probe-default-ports: false
                mesh:
                  bind: 127.0.0.1
                  port: %d
                %s""".formatted(name, port, extra));
        Process p = withData(new ProcessBuilder(image.resolve("bin/atmosphere").toString(), "serve", "--port", "0"), data)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        DataDir dir = new DataDir(data);
        Optional<NodeClient>[] api = new Optional[] {Optional.empty()};
        await(() -> (api[0] = NodeClient.connect(dir)).isPresent(), Duration.ofSeconds(60));
        return new Node(data, p, api[0].get());
    }

    static void await(BooleanSupplier condition, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not ready yet
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("timed out");
    }
}
