package farm.llama.atmosphere.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.NodeSetupAccess;
import farm.llama.atmosphere.spi.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private ConfigException fails(String yaml, Map<String, String> env) throws Exception {
        Path file = write(yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.load(file, env));
        assertEquals(yaml, Files.readString(file), "a bad config must never be rewritten");
        return e;
    }

    @Test
    void defaultsWithoutAFile() {
        NodeConfig c = NodeConfig.load(dir.resolve("absent.yaml"), Map.of());
        assertEquals("127.0.0.1", c.apiHost());
        assertEquals(11451, c.apiPort());
        assertEquals(List.of(), c.allowedHosts());
        assertEquals("INFO", c.logLevel());
    }

    @Test
    void fileValuesNestedOrDotted() throws Exception {
        NodeConfig c = NodeConfig.load(write("""
                api:
                  port: 12000
                  allowed-hosts: [mybox.lan]
                api.allowed-origins: ["http://localhost:3000"]
                node:
                  name: kitchen
                tools:
                  core:
                    max-keys: 5
                discovery:
                  interval: 30s
                """), Map.of());
        assertEquals(12000, c.apiPort());
        assertEquals(List.of("mybox.lan"), c.allowedHosts());
        assertEquals(List.of("http://localhost:3000"), c.allowedOrigins());
        assertEquals("kitchen", c.nodeName().orElseThrow());
        assertEquals(5L, c.view().subtree("tools").subtree("core").number("max-keys").orElseThrow());
        assertEquals(Duration.ofSeconds(30), c.view().duration("discovery.interval").orElseThrow());
    }

    @Test
    void environmentOverridesByOneRuleAndShortForms() throws Exception {
        Path file = write("api:\n  port: 12000\ntools:\n  core:\n    max-keys: 5\n");
        NodeConfig c = NodeConfig.load(file, Map.of(
                "ATMOSPHERE_API_PORT", "13000",
                "ATMOSPHERE_HOST", "0.0.0.0",
                "ATMOSPHERE_API_ALLOWED_HOSTS", "[\"a.lan\",\"b.lan\"]",
                "ATMOSPHERE_NODE_NAME", "from-env",
                "ATMOSPHERE_LOG_LEVEL", "debug",
                "ATMOSPHERE_TOOLS_CORE_MAX_KEYS", "7"));
        assertEquals(13000, c.apiPort());
        assertEquals("0.0.0.0", c.apiHost());
        assertEquals(List.of("a.lan", "b.lan"), c.allowedHosts());
        assertEquals("from-env", c.nodeName().orElseThrow());
        assertEquals("DEBUG", c.logLevel());
        assertEquals(7L, c.view().number("tools.core.max-keys").orElseThrow());
        NodeConfig shortPort = NodeConfig.load(file, Map.of("ATMOSPHERE_PORT", "14000"));
        assertEquals(14000, shortPort.apiPort());
    }

    @Test
    void malformedYamlNamesFileAndLine() throws Exception {
        ConfigException e = fails("api:\n  port: 1\n  host: [unclosed\nnode:\n", Map.of());
        String m = e.getMessage();
        assertTrue(m.contains("config.yaml:"), m);
        assertTrue(m.matches("(?s).*config\\.yaml:[345]: not valid YAML.*"), m);
    }

    @Test
    void mistypedValueNamesFileLineAndKey() throws Exception {
        ConfigException e = fails("node:\n  name: x\napi:\n  port: eleven\n", Map.of());
        assertTrue(e.getMessage().contains("config.yaml:4: api.port: expected a port number 0-65535, got 'eleven'"), e.getMessage());
        ConfigException range = fails("api:\n  port: 70000\n", Map.of());
        assertTrue(range.getMessage().contains("config.yaml:2: api.port"), range.getMessage());
        ConfigException list = fails("api:\n  allowed-hosts: mybox\n", Map.of());
        assertTrue(list.getMessage().contains("api.allowed-hosts: expected a list"), list.getMessage());
        ConfigException section = fails("api: 5\n", Map.of());
        assertTrue(section.getMessage().contains("config.yaml:1: api: expected a section"), section.getMessage());
        ConfigException level = fails("log:\n  level: loud\n", Map.of());
        assertTrue(level.getMessage().contains("log.level"), level.getMessage());
    }

    @Test
    void unknownKeysAreErrorsWithASuggestion() throws Exception {
        ConfigException e = fails("api:\n  prot: 1\n", Map.of());
        assertTrue(e.getMessage().contains("config.yaml:2: api.prot: unknown key (did you mean 'api.port'?)"), e.getMessage());
        ConfigException top = fails("mseh:\n  port: 1\n", Map.of());
        assertTrue(top.getMessage().contains("did you mean 'mesh'?"), top.getMessage());
    }

    @Test
    void aTypoOfAnyKeyTheNodeReadsIsRefusedWithTheKeyItMeant() throws Exception {
        for (ConfigKey key : ConfigKey.ALL) {
            String typo = key.name() + key.name().charAt(key.name().length() - 1);
            ConfigException e = fails(typo + ": 1\n", Map.of());
            assertTrue(e.getMessage().contains(typo + ": unknown key (did you mean '" + key.name() + "'?)"), e.getMessage());
        }
        ConfigException inPluginSection = fails("routing:\n  max-atempts: 2\n", Map.of());
        assertTrue(inPluginSection.getMessage().contains("config.yaml:2: routing.max-atempts: unknown key (did you mean 'routing.max-attempts'?)"),
                inPluginSection.getMessage());
        ConfigException mapping = fails("cost:\n  prices: 3\n", Map.of());
        assertTrue(mapping.getMessage().contains("cost.prices: expected a mapping"), mapping.getMessage());
    }

    @Test
    void aPluginsOwnSectionPassesTheLoaderAndIsCheckedAgainstWhatThePluginDeclares() throws Exception {
        NodeConfig c = NodeConfig.load(write("transport:\n  websocket:\n    max-frme: 1\n"), Map.of());
        assertEquals("config.yaml:3: transport.websocket.max-frme", c.where("transport.websocket.max-frme")
                .substring(c.where("transport.websocket.max-frme").lastIndexOf('/') + 1));
        List<String> problems = PluginSettings.problems("transport.websocket", Map.of("max-frme", 1, "idle-timeout", "soon"),
                List.of(new Setting("max-frame", Setting.Kind.NUMBER, "1", "largest"),
                        new Setting("idle-timeout", Setting.Kind.DURATION, "2m", "idle")), c::where);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("transport.websocket.max-frme: unknown key (did you mean 'transport.websocket.max-frame'?)")),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("transport.websocket.idle-timeout: expected a duration")), problems.toString());
    }

    @Test
    void everyDefaultIsDeclaredOnceAndReadThroughAnyView() throws Exception {
        NodeConfig c = NodeConfig.load(write(""), Map.of());
        assertEquals(Duration.ofSeconds(30), c.view().subtree("discovery").duration("interval").orElseThrow());
        assertEquals(Duration.ofSeconds(30), new TreeConfigView("discovery", Map.of()).duration("interval").orElseThrow());
        assertEquals(11452L, c.view().subtree("mesh").number("port").orElseThrow());
        assertEquals(List.of("*"), c.view().list("policy.allow"));
    }

    @Test
    void everyProblemIsReportedAtOnce() throws Exception {
        ConfigException e = fails("api:\n  port: x\n  host: [a]\nfoo: 1\n", Map.of());
        assertEquals(3, e.problems().size(), e.getMessage());
    }

    @Test
    void structuralProblems() throws Exception {
        assertTrue(fails("- a\n- b\n", Map.of()).getMessage().contains("must be a mapping"));
        assertTrue(fails("api:\n  port: 1\n  port: 2\n", Map.of()).getMessage().toLowerCase().contains("duplicate"));
        Path file = dir.resolve("config.yaml");
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 'a', ':'});
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.load(file, Map.of()));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void badEnvironmentValuesNameTheVariable() throws Exception {
        Path file = write("");
        ConfigException port = assertThrows(ConfigException.class,
                () -> NodeConfig.load(file, Map.of("ATMOSPHERE_API_PORT", "http")));
        assertTrue(port.getMessage().contains("environment variable ATMOSPHERE_API_PORT (key api.port)"), port.getMessage());
        ConfigException list = assertThrows(ConfigException.class,
                () -> NodeConfig.load(file, Map.of("ATMOSPHERE_API_ALLOWED_HOSTS", "a.lan,b.lan")));
        assertTrue(list.getMessage().contains("JSON list"), list.getMessage());
        ConfigException json = assertThrows(ConfigException.class,
                () -> NodeConfig.load(file, Map.of("ATMOSPHERE_API_ALLOWED_HOSTS", "[\"a\"")));
        assertTrue(json.getMessage().contains("ATMOSPHERE_API_ALLOWED_HOSTS"), json.getMessage());
    }

    @Test
    void emptyFileIsDefaults() throws Exception {
        assertEquals(11451, NodeConfig.load(write("# nothing yet\n"), Map.of()).apiPort());
    }

    @Test
    void initTemplateIsValidAndCommentedOut() throws Exception {
        Path file = write(NodeSetupAccess.template());
        assertEquals(11451, NodeConfig.load(file, Map.of()).apiPort());
        // uncommenting every line of the template gives a valid config with the same values
        String uncommented = NodeSetupAccess.template().lines()
                .filter(l -> l.startsWith("# ") && !l.trim().startsWith("# #") && l.contains(":") && !l.contains("[ATMOSPHERE")
                        && !l.startsWith("# Atmosphere") && !l.startsWith("# Every") && !l.startsWith("# (list")
                        && !l.startsWith("# Durations") && !l.startsWith("# Tools"))
                .map(l -> l.substring(2))
                .reduce("", (a, b) -> a + b + "\n");
        NodeConfig c = NodeConfig.load(write(uncommented), Map.of());
        assertEquals(11451, c.apiPort());
        assertEquals("127.0.0.1", c.apiHost());
    }
}
