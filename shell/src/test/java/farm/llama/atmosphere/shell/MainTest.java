package farm.llama.atmosphere.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

    @TempDir
    Path dir;

    private Map<String, String> env;

    /** What one run printed. */
    record Run(int code, String out, String err) {
    }

    @BeforeEach
    void setUp() {
        env = Map.of("ATMOSPHERE_DATA_DIR", dir.resolve("data").toString());
    }

    private Run piped(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err, env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run run(String... args) {
        return piped("", args);
    }

    @Test
    void versionComesFromTheBuild() {
        Run r = run("--version");
        assertEquals(0, r.code());
        assertEquals("Atmosphere 0.2.0", r.out().lines().findFirst().orElseThrow());
        assertTrue(r.out().lines().skip(1).findFirst().orElseThrow().matches("commit ([0-9a-f]{12}|unknown)"), r.out());
        assertTrue(r.out().lines().skip(2).findFirst().orElseThrow().startsWith("Java " + Runtime.version().feature()), r.out());
    }

    @Test
    void initTwiceRefusesAndChangesNothing() throws Exception {
        Run first = run("init", "--name", "desk", "--json");
        assertEquals(0, first.code(), first.err());
        JsonNode json = Output.parse(first.out());
        String nodeId = json.path("nodeId").asText();
        assertEquals(16, nodeId.length());
        Path identity = dir.resolve("data/identity.json");
        String before = Files.readString(identity);
        Run second = run("init");
        assertEquals(1, second.code());
        assertTrue(second.err().contains("already initialised as node " + nodeId), second.err());
        assertEquals(before, Files.readString(identity));
        Run forced = run("init", "--force", "--json");
        assertEquals(0, forced.code());
        assertFalse(Output.parse(forced.out()).path("nodeId").asText().equals(nodeId), "--force makes a new identity");
    }

    @Test
    void textFromOutsideNeverReachesTheTerminalRaw() {
        // an OSC 52 clipboard write and a right-to-left override in a refused name: echoed escaped, not obeyed
        Run refused = run("init", "--name", "x\u001b]52;c;ZXZpbA==\u0007\u202eevil" + "y".repeat(70));
        assertEquals(1, refused.code());
        assertFalse(refused.err().contains("\u001b") || refused.err().contains("\u0007") || refused.err().contains("\u202e"), refused.err());
        assertTrue(refused.err().contains("\\u001b]52;c;ZXZpbA==\\u0007\\u202eevil"), refused.err());
        // a tool's output (the echo tool returns its input) is shown escaped too, and stays valid JSON with --json
        run("init", "-n", "desk");
        Run echo = run("tool", "run", "echo", "--param", "message=\u001b[2J\u009b31m");
        assertFalse(echo.out().contains("\u001b") || echo.out().contains("\u009b"), echo.out());
        Run json = run("tool", "run", "echo", "--param", "message=\u001b[2J\u202e", "--json");
        assertFalse(json.out().contains("\u001b") || json.out().contains("\u202e"), json.out());
        assertTrue(json.out().contains("\\u202e"), json.out());
        assertEquals("\u001b[2J\u202e", farm.llama.atmosphere.runtime.util.Json.parse(json.out()).findPath("message").asText(), json.out());
    }

    @Test
    void statusAndToolsWorkOfflineAndAsJson() {
        run("init", "-n", "offline");
        Run status = run("status", "--json");
        assertEquals(0, status.code(), status.err());
        JsonNode s = Output.parse(status.out());
        assertEquals("offline", s.path("name").asText());
        assertFalse(s.path("serving").asBoolean());
        Run human = run("status");
        assertTrue(human.out().startsWith("Node Status"), human.out());

        Run list = run("tool", "list", "--json");
        List<String> names = new ArrayList<>();
        Output.parse(list.out()).path("tools").forEach(t -> names.add(t.path("name").asText()));
        assertTrue(names.containsAll(List.of("echo", "health", "store", "time")), names.toString());

        Run echo = run("tool", "run", "echo", "--param", "message=42");
        assertEquals(0, echo.code(), echo.err());
        assertEquals("42", Output.parse(echo.out()).path("message").asText(), "a string parameter stays a string");
        assertTrue(Output.parse(echo.out()).path("message").isTextual());

        Run bad = run("tool", "run", "store", "-P", "action=explode");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("parameter 'action': expected one of [\"get\",\"set\",\"delete\",\"list\"]"), bad.err());

        Run unknown = run("tool", "info", "nope");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("No tool named 'nope'"), unknown.err());

        Run stored = run("tool", "run", "store", "--params", "{\"action\":\"set\",\"key\":\"k\",\"value\":{\"a\":1}}");
        assertEquals(0, stored.code(), stored.err());
        Run got = run("tool", "run", "store", "-P", "action=get", "-P", "key=k", "--json");
        assertEquals(1, Output.parse(got.out()).path("result").path("value").path("a").asInt(), "the store persists across processes");
    }

    @Test
    void pipedShellRunsOneCommandPerLine() {
        run("init");
        Run r = piped("# a comment\ntool list\n\ntool run echo --param message=\"hello there\"\nexit\nstatus\n");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("echo"), r.out());
        assertTrue(r.out().contains("hello there"), r.out());
        assertFalse(r.out().contains("Node Status"), "nothing runs after exit");
        Run failing = piped("tool run nope\n");
        assertEquals(1, failing.code());
    }

    @Test
    void badConfigNamesFileLineAndKeyAndExitsNonZero() throws Exception {
        run("init");
        Path config = dir.resolve("data/config.yaml");
        Files.writeString(config, "api:\n  port: lots\n");
        Run r = run("status");
        assertEquals(1, r.code());
        assertTrue(r.err().contains(config + ":2: api.port: expected a port number"), r.err());
        assertEquals("api:\n  port: lots\n", Files.readString(config));
    }

    @Test
    void everyCommandHasHelp() {
        CommandLine root = Main.commandLine(new Session(env, new java.io.PrintWriter(new ByteArrayOutputStream()),
                new java.io.PrintWriter(new ByteArrayOutputStream())));
        List<List<String>> paths = new ArrayList<>();
        collect(root, new ArrayList<>(), paths);
        assertTrue(paths.size() >= 12, paths.toString());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), "help of " + path + ": " + r.err());
            assertTrue(r.out().contains("Usage:"), path.toString());
        }
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> out) {
        out.add(path);
        cl.getSubcommands().forEach((name, sub) -> {
            List<String> next = new ArrayList<>(path);
            next.add(name);
            collect(sub, next, out);
        });
    }

    @Test
    void completionScriptsForBashZshAndFish() throws Exception {
        Run bash = run("completion", "bash");
        assertEquals(0, bash.code());
        Path script = dir.resolve("atmosphere.bash");
        Files.writeString(script, bash.out());
        Process p = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        assertTrue(bash.out().contains("plugin") && bash.out().contains("completion"));
        assertTrue(run("completion", "zsh").out().contains("bashcompinit"));
        String fish = run("completion", "fish").out();
        assertTrue(fish.contains("complete -c atmosphere -f -n '__fish_use_subcommand' -a tool"), fish);
        assertTrue(fish.contains("__fish_seen_subcommand_from tool' -a run"), fish);
        assertEquals(2, run("completion", "powershell").code());
    }

    @Test
    void unknownCommandIsAUsageError() {
        Run r = run("frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("frobnicate"), r.err());
    }

    @Test
    void meshCreateStatusAndLeave() throws Exception {
        run("init", "-n", "founder");
        Run created = run("mesh", "create", "-n", "home", "--json");
        assertEquals(0, created.code(), created.err());
        JsonNode info = Output.parse(created.out());
        String meshId = info.path("meshId").asText();
        assertEquals(16, meshId.length());
        assertEquals("founder", info.path("role").asText());
        Path key = dir.resolve("data/mesh/mesh-key.json");
        if (key.getFileSystem().supportedFileAttributeViews().contains("posix")) { // Windows' access lists: AtomicFilesTest
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        }
        Run again = run("mesh", "create", "-n", "other");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already in mesh " + meshId), again.err());
        Run status = run("mesh", "status");
        assertTrue(status.out().contains("Mesh " + meshId + " ('home')") && status.out().contains("founder"), status.out());
        assertTrue(run("status").out().contains("Mesh:      " + meshId + " (founder)"));
        assertEquals(meshId, Output.parse(run("status", "--json").out()).path("meshId").asText());
        Run invite = run("mesh", "invite", "--ttl", "30m", "--uses", "2", "--json");
        assertEquals(0, invite.code(), invite.err());
        JsonNode inv = Output.parse(invite.out());
        assertTrue(inv.path("code").asText().matches("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"), invite.out());
        assertTrue(inv.path("link").asText().startsWith("atmosphere://join/" + inv.path("token").asText()));
        assertEquals(1, run("mesh", "invite", "--ttl", "forever").code());
        Run revoke = run("mesh", "revoke", "0123456789abcdef");
        assertEquals(0, revoke.code(), revoke.err());
        assertTrue(Files.readString(dir.resolve("data/mesh/revocations.json")).contains("0123456789abcdef"));
        assertEquals(1, run("mesh", "revoke", "not-a-node").code());
        assertEquals(0, run("mesh", "leave").code());
        assertTrue(run("mesh", "status").out().contains("Not in a mesh"));
        assertEquals(1, run("mesh", "leave").code());
    }

    @Test
    void simulatorReportsAreDeterministic() {
        Run a = run("sim", "-n", "20", "--seed", "5", "--kills", "1", "--json");
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), run("sim", "-n", "20", "--seed", "5", "--kills", "1", "--json").out());
        assertEquals(20, Output.parse(a.out()).path("capabilityUpdate").path("reached").asInt());
        assertEquals(2, run("sim", "-n", "1").code(), "bad options are usage errors");
    }

    @Test
    void relayServeRefusesBadOptionsAndAPortInUse() throws Exception {
        assertEquals(2, run("relay", "serve", "--port", "70000").code(), "an out-of-range port is a usage error");
        assertEquals(2, run("relay", "serve", "--max-connections", "0").code());
        assertEquals(2, run("relay", "serve", "--max-connections-per-address", "0").code());
        Run notAMesh = run("relay", "serve", "--allow-mesh", "my-mesh");
        assertEquals(2, notAMesh.code());
        assertTrue((notAMesh.out() + notAMesh.err()).contains("--allow-mesh takes a mesh id"), notAMesh.out() + "|" + notAMesh.err());
        assertTrue(run("relay").out().contains("serve"), "relay alone shows its subcommands");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run busy = run("relay", "serve", "--host", "127.0.0.1", "--port", String.valueOf(taken.getLocalPort()));
            assertEquals(1, busy.code(), busy.out() + busy.err());
            assertTrue(busy.err().contains("--port"), "names what to change: " + busy.err());
        }
    }
}
