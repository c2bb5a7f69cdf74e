package farm.llama.atmosphere.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Runs the built image as a user would: from a read-only copy of the image folder, through a
 * symlink, from another working directory, with real processes, signals and a pseudo-terminal.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static Path work;
    private static Path image;
    private static Path launcher;
    private static Path dataDir;
    private static Map<String, String> snapshot;

    /** What a command printed. */
    record Result(int code, String out, String err) {
    }

    @BeforeAll
    static void copyImageReadOnly() throws Exception {
        Path built = Path.of(System.getProperty("atmosphere.image", "target/atmosphere"));
        assertTrue(Files.isExecutable(built.resolve("bin/atmosphere")), "build the image first: " + built);
        work = Files.createTempDirectory("atmosphere-it");
        image = work.resolve("image");
        exec(List.of("cp", "-a", built.toString(), image.toString()));
        exec(List.of("chmod", "-R", "a-w", image.toString()));
        Path bin = Files.createDirectories(work.resolve("somewhere/bin"));
        launcher = bin.resolve("atmosphere");
        Files.createSymbolicLink(launcher, image.resolve("bin/atmosphere"));
        dataDir = work.resolve("data");
        snapshot = snapshot(image);
    }

    @AfterAll
    static void imageIsUnchangedAndCleanUp() throws Exception {
        try {
            assertEquals(snapshot, snapshot(image), "nothing may be written into the image folder");
        } finally {
            exec(List.of("chmod", "-R", "u+w", work.toString()));
            exec(List.of("rm", "-rf", work.toString()));
        }
    }

    private static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                m.put(root.relativize(p).toString(), Files.isDirectory(p) ? "dir"
                        : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }

    private static void exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
    }

    private static ProcessBuilder atmosphere(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
        pb.environment().put("ATMOSPHERE_DATA_DIR", dataDir.toString());
        return pb;
    }

    private static Result run(String... args) throws Exception {
        Process p = atmosphere(List.of(args)).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        Thread t1 = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread t2 = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "atmosphere " + String.join(" ", args) + " did not finish");
        t1.join();
        t2.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void copy(InputStream in, OutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // process ended
        }
    }

    private static String http(int port, String method, String path, String host, String headers) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            String req = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + headers
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            return readResponse(s.getInputStream());
        }
    }

    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.append((char) c);
        }
        Matcher m = Pattern.compile("(?i)content-length:\\s*(\\d+)").matcher(head);
        int len = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return head + new String(in.readNBytes(len), StandardCharsets.UTF_8);
    }

    @Test
    @Order(1)
    void versionFromAnyDirectoryThroughASymlink() throws Exception {
        Result r = run("--version");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("Atmosphere \\d+\\.\\d+\\.\\d+\ncommit ([0-9a-f]{12}|unknown)\nJava 25[^\n]*\n"), r.out());
        // the project's licence travels with the image
        assertTrue(Files.readString(image.resolve("LICENSE")).contains("Apache License"), "LICENSE in the image");
    }

    @Test
    @Order(2)
    void initTwice() throws Exception {
        Result first = run("init", "--name", "it-node");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("Node ID:"), first.out());
        String identity = Files.readString(dataDir.resolve("identity.json"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dataDir.resolve("identity.json"))));
        Result second = run("init");
        assertEquals(1, second.code());
        assertTrue(second.err().contains("already initialised"), second.err());
        assertEquals(identity, Files.readString(dataDir.resolve("identity.json")));
    }

    @Test
    @Order(3)
    void statusPluginListAndToolRunOffline() throws Exception {
        Result status = run("status");
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains("Node Status") && status.out().contains("it-node"), status.out());
        Result plugins = run("plugin", "list");
        assertEquals(0, plugins.code(), plugins.err());
        assertTrue(plugins.out().matches("(?s).*tools-core\\s+\\S+\\s+started\\s+image\\s+tool:core.*"), plugins.out());
        // the router, the embedder and the agent types are plugins like the rest, and nothing else provides them
        assertTrue(plugins.out().matches("(?s).*router-semantic\\s+\\S+\\s+started\\s+image\\s+embedder:lexical, router:semantic.*"), plugins.out());
        assertTrue(plugins.out().matches("(?s).*agents-core\\s+\\S+\\s+started\\s+image\\s+agent:core.*"), plugins.out());
        // MiniLM (the model and ONNX Runtime's natives) loads in the linked image: the default embedder
        assertTrue(plugins.out().matches("(?s).*embedder-minilm\\s+\\S+\\s+started\\s+image\\s+embedder:minilm.*"), plugins.out());
        assertFalse((plugins.out() + plugins.err()).contains("skipped"), "no built-in provider is looked for in the runtime: " + plugins.err());
        Result types = run("agent", "types");
        assertTrue(types.out().contains("research") && types.out().contains("echo"), types.out());
        Result echo = run("tool", "run", "echo", "--param", "message=from the image");
        assertEquals(0, echo.code(), echo.err());
        assertTrue(echo.out().contains("from the image"), echo.out());
        Result json = run("status", "--json");
        assertTrue(json.out().contains("\"nodeId\""), json.out());
        // BouncyCastle in the linked image: the mesh certificates are built and read back
        Result mesh = run("mesh", "create", "-n", "it-mesh");
        assertEquals(0, mesh.code(), mesh.err());
        Result meshStatus = run("mesh", "status");
        assertTrue(meshStatus.out().contains("role:        founder"), meshStatus.out());
    }

    @Test
    @Order(4)
    void serveHealthGuardsSecondServeAndSigterm() throws Exception {
        Process node = atmosphere(List.of("serve", "--port", "0")).start();
        ProcessOutput out = new ProcessOutput(node.getInputStream());
        ProcessOutput err = new ProcessOutput(node.getErrorStream());
        try {
            String banner = out.await(t -> t.contains("serving on http://"), "the serve banner");
            Matcher m = Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+)").matcher(banner);
            assertTrue(m.find(), banner);
            int port = Integer.parseInt(m.group(1));

            String health = http(port, "GET", "/health", "localhost:" + port, "");
            assertTrue(health.startsWith("HTTP/1.1 200"), health);
            assertTrue(health.contains("\"status\":\"ok\"") && health.contains("\"nodeId\""), health);

            assertTrue(http(port, "GET", "/health", "evil.example", "").startsWith("HTTP/1.1 403"));
            assertTrue(http(port, "GET", "/api/v1/status", "localhost:" + port, "Origin: http://evil.example\r\n")
                    .startsWith("HTTP/1.1 403"));
            String noToken = http(port, "POST", "/api/v1/plugins/tools-core/disable", "localhost:" + port, "");
            assertTrue(noToken.startsWith("HTTP/1.1 401"), noToken);

            Result status = run("status");
            assertTrue(status.out().contains("Serving:   yes"), status.out());
            Result healthy = run("health");
            assertEquals(0, healthy.code(), healthy.out() + healthy.err());
            assertTrue(healthy.out().matches("ok: node [0-9a-f]{16} serves http://127\\.0\\.0\\.1:" + port + "/? \\(pid " + node.pid() + "\\)\n"),
                    healthy.out());
            Result tool = run("tool", "run", "health", "--json");
            assertEquals(0, tool.code(), tool.err());
            assertTrue(tool.out().contains("\"serving\" : true"), "the tool ran inside the serving node: " + tool.out());

            Result second = run("serve", "--port", "0");
            assertEquals(1, second.code());
            assertTrue(second.err().contains("already serving") && second.err().contains("pid " + node.pid()), second.err());

            assertTrue(Files.exists(dataDir.resolve("node.json")));
            node.destroy(); // SIGTERM
            assertTrue(node.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the node stops on SIGTERM");
            assertFalse(Files.exists(dataDir.resolve("node.json")), "node.json is removed on a clean stop");
            Result stopped = run("health");
            assertEquals(1, stopped.code(), stopped.out() + stopped.err());
            assertTrue(stopped.out().startsWith("no node serves ") && stopped.out().lines().count() == 1, stopped.out());
            assertFalse(err.text().contains("Exception"), err.text());
        } finally {
            node.destroyForcibly();
        }
    }

    @Test
    @Order(5)
    void interactiveShellInARealTerminalCompletesAndRuns() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("script", "-qfec", launcher.toString(), "/dev/null").directory(work.toFile());
        pb.environment().put("ATMOSPHERE_DATA_DIR", dataDir.toString());
        pb.environment().put("TERM", "xterm");
        pb.redirectErrorStream(true);
        Process shell = pb.start();
        ProcessOutput out = new ProcessOutput(shell.getInputStream());
        OutputStream keys = shell.getOutputStream();
        try {
            out.await(t -> t.contains("atmosphere> "), "the prompt");
            type(keys, "plugin li\t");
            out.await(t -> clean(t).contains("plugin list"), "Tab to complete 'plugin li' to 'plugin list'");
            type(keys, "\r");
            String listed = out.await(t -> clean(t).matches("(?s).*tools-core\\s+\\S+\\s+started.*"), "the plugin list");
            assertTrue(clean(listed).contains("PROVIDERS"), listed);
            type(keys, "tool run ec\t");
            out.await(t -> clean(t).contains("tool run echo"), "Tab to complete a tool name");
            type(keys, " -P message=typed\r");
            out.await(t -> clean(t).contains("\"message\" : \"typed\""), "the tool's answer");
            type(keys, "exit\r");
            assertTrue(shell.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "exit leaves the shell");
            assertTrue(Files.exists(dataDir.resolve("history")), "history is kept in the data dir");
            assertTrue(Files.readString(dataDir.resolve("history")).contains("plugin list"));
        } finally {
            shell.destroyForcibly();
        }
    }

    @Test
    @Order(5)
    void theInteractiveShellShowsTheServingNodesNotifications() throws Exception {
        Process node = atmosphere(List.of("serve", "--port", "0")).start();
        ProcessOutput served = new ProcessOutput(node.getInputStream());
        ProcessBuilder pb = new ProcessBuilder("script", "-qfec", launcher.toString(), "/dev/null").directory(work.toFile());
        pb.environment().put("ATMOSPHERE_DATA_DIR", dataDir.toString());
        pb.environment().put("TERM", "xterm");
        pb.redirectErrorStream(true);
        Process shell = null;
        try {
            served.await(t -> t.contains("serving on http://"), "the serve banner");
            shell = pb.start();
            ProcessOutput out = new ProcessOutput(shell.getInputStream());
            out.await(t -> t.contains("atmosphere> "), "the prompt");
            // an agent or another process notifies the owner: the shell shows it without a keystroke
            long end = System.nanoTime() + WAIT.toNanos();
            while (!clean(out.text()).contains("[warning] Backups: disk almost full") && System.nanoTime() < end) {
                Result sent = run("tool", "run", "notify", "-P", "message=disk almost full", "-P", "title=Backups", "-P", "level=warning");
                assertEquals(0, sent.code(), sent.err());
                Thread.sleep(500);
            }
            assertTrue(clean(out.text()).contains("[warning] Backups: disk almost full"), out.text());
            type(shell.getOutputStream(), "exit\r");
            assertTrue(shell.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "exit leaves the shell");
        } finally {
            if (shell != null) {
                shell.destroyForcibly();
            }
            node.destroy();
            node.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
            node.destroyForcibly();
        }
    }

    private static void type(OutputStream keys, String s) throws IOException, InterruptedException {
        for (char c : s.toCharArray()) {
            keys.write(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            keys.flush();
            Thread.sleep(15);
        }
        Thread.sleep(200);
    }

    private static String clean(String s) {
        return s.replaceAll("\u001B\\[[0-9;?]*[ -/]*[@-~]", "").replaceAll("\u001B[()][0-9A-B]", "")
                .replace("\r", "");
    }

    @Test
    @Order(6)
    void pipedCommandsWorkInScripts() throws Exception {
        Process p = atmosphere(List.of()).start();
        p.getOutputStream().write("tool list\nexit\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        ProcessOutput out = new ProcessOutput(p.getInputStream());
        assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
        Thread.sleep(100);
        assertEquals(0, p.exitValue());
        assertTrue(out.text().contains("store"), out.text());
        Map<String, String> unused = new HashMap<>();
        assertTrue(unused.isEmpty());
    }

    @Test
    @Order(7)
    void routesAndChatsThroughADiscoveredBackend() throws Exception {
        try (farm.llama.atmosphere.tests.FakeOllama ollama = new farm.llama.atmosphere.tests.FakeOllama()) {
            Files.writeString(dataDir.resolve("config.yaml"), "discovery:\n  probe-default-ports: false\n"
                    + "backends:\n  - type: ollama\n    url: " + ollama.url() + "\n");
            Result backends = run("backends");
            assertEquals(0, backends.code(), backends.err());
            assertTrue(backends.out().matches("(?s).*ollama@127\\.0\\.0\\.1:\\d+\\s+ollama\\s+up.*"), backends.out());
            Result route = run("route", "my Python script throws a KeyError, fix it");
            assertEquals(0, route.code(), route.err());
            assertTrue(route.out().contains("qwen2.5-coder:7b") && route.out().contains("cost terms"), route.out());
            Result chat = run("chat", "why is the sky blue?");
            assertEquals(0, chat.code(), chat.err());
            assertTrue(chat.out().contains("The sky is blue because of Rayleigh scattering."), chat.out());
            assertTrue(chat.out().contains("/ollama@127.0.0.1:"), "the route is shown: " + chat.out());

            Process node = atmosphere(List.of("serve", "--port", "0")).start();
            ProcessOutput out = new ProcessOutput(node.getInputStream());
            try {
                Matcher m = Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+)")
                        .matcher(out.await(t -> t.contains("serving on http://"), "the serve banner"));
                assertTrue(m.find());
                int port = Integer.parseInt(m.group(1));
                String body = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"write a SQL query joining two tables\"}]}";
                String answer = "";
                long end = System.nanoTime() + WAIT.toNanos();
                while (System.nanoTime() < end && !answer.startsWith("HTTP/1.1 200")) {
                    answer = httpPost(port, "/v1/chat/completions", body);
                    Thread.sleep(200);
                }
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("x-atmosphere-route:"), answer);
                assertTrue(answer.contains("qwen2.5-coder:7b"), answer);
                assertTrue(answer.contains("Rayleigh"), answer);
            } finally {
                node.destroy();
                node.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    private static String httpPost(int port, String path, String body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(bytes);
            return readResponse(s.getInputStream());
        }
    }

    @Test
    @Order(8)
    void theOfficialOpenAiNodeClientWorksAgainstTheImage() throws Exception {
        Path tests = ImageNodes.nodeTools();
        try (farm.llama.atmosphere.tests.FakeOllama ollama = new farm.llama.atmosphere.tests.FakeOllama();
             farm.llama.atmosphere.tests.FakeOpenAi openai = new farm.llama.atmosphere.tests.FakeOpenAi();
             // two that serve one model and die after 3 chunks of a fresh answer: the one that serves second continues it
             farm.llama.atmosphere.tests.FakeOllama dyingOllama = new farm.llama.atmosphere.tests.FakeOllama().serving("mistral-nemo:12b");
             farm.llama.atmosphere.tests.FakeOpenAi dyingVllm = new farm.llama.atmosphere.tests.FakeOpenAi()) {
            dyingOllama.templates = java.util.Map.of("mistral-nemo:12b", farm.llama.atmosphere.tests.FakeOllama.OPEN_TEMPLATE);
            dyingVllm.ownedBy = "vllm";
            dyingVllm.models = List.of("mistral-nemo:12b");
            dyingOllama.dieAfterChunks(3);
            dyingVllm.dieAfterChunks(3);
            Files.writeString(dataDir.resolve("config.yaml"), "discovery:\n  probe-default-ports: false\n"
                    + "backends:\n  - type: ollama\n    url: " + ollama.url() + "\n  - type: openai\n    url: " + openai.url() + "/v1\n"
                    + "  - type: ollama\n    url: " + dyingOllama.url() + "\n  - type: openai\n    url: " + dyingVllm.url() + "/v1\n");
            Process node = atmosphere(List.of("serve", "--port", "0")).start();
            ProcessOutput out = new ProcessOutput(node.getInputStream());
            try {
                Matcher m = Pattern.compile("serving on (http://127\\.0\\.0\\.1:\\d+)")
                        .matcher(out.await(t -> t.contains("serving on http://"), "the serve banner"));
                assertTrue(m.find());
                String base = m.group(1);
                int port = Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
                long end = System.nanoTime() + WAIT.toNanos();
                while (System.nanoTime() < end && http(port, "GET", "/api/v1/backends", "localhost:" + port, "")
                        .split("\"state\":\"up\"", -1).length - 1 < 4) {
                    Thread.sleep(100);
                }
                ProcessBuilder pb = new ProcessBuilder("node", "--test", "openai-client.test.mjs").directory(tests.toFile())
                        .redirectErrorStream(true);
                pb.environment().put("ATMOSPHERE_URL", base + "/v1");
                Process js = pb.start();
                ProcessOutput report = new ProcessOutput(js.getInputStream());
                assertTrue(js.waitFor(120, TimeUnit.SECONDS), "the node client tests did not finish");
                Thread.sleep(200);
                assertEquals(0, js.exitValue(), report.text());
                assertTrue(report.text().contains("# pass 6"), report.text());
            } finally {
                node.destroy();
                node.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }
}
