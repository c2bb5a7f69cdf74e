package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node owns what it starts: opening, serving (with its mesh port) and closing one twenty times
 * in one JVM leaves no threads, sockets or open files behind; so does failing to open one (a bad
 * configuration value, found after the plugins started).
 */
class NodeLifecycleTest {

    private static final int ROUNDS = 20;
    /** Shared pools the JDK creates once, on first use (HttpClient's selector, the common pool, the cleaner). */
    private static final int ONE_TIME_THREADS = 6;
    /** Files the JVM opens once, on first use (jars of classes loaded late, the random source). */
    private static final int ONE_TIME_FILES = 6;

    @TempDir
    Path dir;

    /**
     * Helidon 4.5's web server starts a {@code helidon-idle-connection-timer} thread per server and
     * never cancels it (helidon-io/helidon#11939, fixed in Helidon 27 only): a daemon thread per
     * {@code serve} that this node cannot reach. Not counted; everything else must go.
     */
    private static final String HELIDON_TIMER = "helidon-idle-connection-timer";

    private static long threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).filter(t -> !t.getName().equals(HELIDON_TIMER)).count();
    }

    /** @return the open file descriptors of this process (files, sockets, pipes) */
    private static long descriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
    }

    private NodeConfig config(DataDir data) throws IOException {
        Files.writeString(data.configFile(), MeshTest.meshConfig(MeshTest.freePort(), "").replace("mesh:\n", "mesh:\n  mdns: false\n"));
        return NodeConfig.load(data.configFile(), Map.of());
    }

    private static Optional<Path> plugins() {
        return Optional.of(Path.of(System.getProperty("atmosphere.test.plugins", "target/plugins")));
    }

    private static void round(DataDir data, NodeConfig config, HttpClient http) throws Exception {
        try (Node node = Node.open(data, config, plugins())) {
            URI base = node.serve("127.0.0.1", 0);
            if (node.mesh().member()) {
                NodeHarness.awaitTrue(() -> node.mesh().running().orElse(false), "the mesh port");
            }
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
        }
    }

    @Test
    void twentyServesAndClosesLeaveNoThreadsSocketsOrFilesBehind() throws Exception {
        DataDir data = new DataDir(dir.resolve("data"));
        NodeSetup.init(data, Optional.of("cycles"), false);
        NodeConfig config = config(data);
        try (Node node = Node.open(data, config, plugins())) {
            node.meshCreate("cycles"); // so every round starts the mesh port too
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        round(data, config, http); // the first round loads classes and starts the JDK's shared pools
        long threadsBefore = threads();
        long filesBefore = descriptors();

        for (int i = 1; i < ROUNDS; i++) {
            round(data, config, http);
        }

        NodeHarness.awaitTrue(() -> threads() <= threadsBefore + ONE_TIME_THREADS,
                "threads back near " + threadsBefore + " after " + ROUNDS + " rounds (now " + threads() + ": "
                        + Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> !n.equals(HELIDON_TIMER)).sorted().toList() + ")");
        NodeHarness.awaitTrue(() -> descriptors() <= filesBefore + ONE_TIME_FILES,
                "open files and sockets back near " + filesBefore + " after " + ROUNDS + " rounds (now " + descriptors() + ")");
    }

    @Test
    void aNodeThatFailsToOpenNamesTheKeyLeavesNothingRunningAndTheDataDirServesOnceFixed() throws Exception {
        DataDir data = new DataDir(dir.resolve("data"));
        NodeSetup.init(data, Optional.of("broken"), false);
        Files.writeString(data.configFile(), "agents:\n  max-per-caller: 200000\n");
        NodeConfig broken = NodeConfig.load(data.configFile(), Map.of());
        long threadsBefore = threads();
        long filesBefore = descriptors();
        for (int i = 0; i < ROUNDS; i++) {
            AtmosphereException e = assertThrows(AtmosphereException.class, () -> Node.open(data, broken, plugins()));
            assertTrue(e.getMessage().contains("agents.max-per-caller must be 1-100000, got 200000"), e.getMessage());
        }
        NodeHarness.awaitTrue(() -> threads() <= threadsBefore + ONE_TIME_THREADS, "threads back near " + threadsBefore);
        NodeHarness.awaitTrue(() -> descriptors() <= filesBefore + ONE_TIME_FILES,
                "open files back near " + filesBefore + " (now " + descriptors() + ")");
        round(data, config(data), HttpClient.newHttpClient());
    }
}
