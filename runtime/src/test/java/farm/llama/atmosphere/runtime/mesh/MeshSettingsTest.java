package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code mesh.*} keys: defaults, the environment rule, and bad values named. */
class MeshSettingsTest {

    @TempDir
    Path dir;

    private MeshSettings load(String yaml, Map<String, String> env) throws Exception {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, yaml);
        return MeshSettings.of(NodeConfig.load(f, env).view().subtree("mesh"));
    }

    @Test
    void defaultsAreTheLanProfileOnPort11452() throws Exception {
        MeshSettings s = load("", Map.of());
        assertEquals(11452, s.port());
        assertEquals("0.0.0.0", s.bind());
        assertEquals("auto", s.approval());
        assertEquals(Duration.ofSeconds(1), s.swim().probeInterval());
        assertEquals(Duration.ofMillis(200), s.swim().gossipInterval());
        assertEquals(List.of(), s.advertise());
    }

    @Test
    void theEnvironmentOverridesTheFileAndShortDurationsWork() throws Exception {
        MeshSettings s = load("mesh:\n  port: 12000\n  probe:\n    interval: 200ms\n  approval: manual\n",
                Map.of("ATMOSPHERE_MESH_PORT", "12345", "ATMOSPHERE_MESH_ADVERTISE", "[\"wss://box.lan:12345\"]"));
        assertEquals(12345, s.port());
        assertEquals(Duration.ofMillis(200), s.swim().probeInterval());
        assertEquals(Duration.ofMillis(100), s.swim().probeTimeout());
        assertEquals("manual", s.approval());
        assertEquals(List.of("wss://box.lan:12345"), s.advertise());
    }

    @Test
    void badValuesAreNamed() throws Exception {
        ConfigException port = assertThrows(ConfigException.class, () -> load("mesh:\n  port: 70000\n", Map.of()));
        assertTrue(port.getMessage().contains("mesh.port"), port.getMessage());
        AtmosphereException approval = assertThrows(AtmosphereException.class, () -> load("mesh:\n  approval: sometimes\n", Map.of()));
        assertTrue(approval.getMessage().contains("mesh.approval") && approval.getMessage().contains("sometimes"));
        AtmosphereException timeout = assertThrows(AtmosphereException.class,
                () -> load("mesh:\n  probe:\n    interval: 1s\n    timeout: 2s\n", Map.of()));
        assertTrue(timeout.getMessage().contains("mesh.probe.timeout"), timeout.getMessage());
        AtmosphereException relay = assertThrows(AtmosphereException.class, () -> load("mesh:\n  relays: [relay.example.net:8765]\n", Map.of()));
        assertTrue(relay.getMessage().contains("mesh.relays") && relay.getMessage().contains("ws://"), relay.getMessage());
        AtmosphereException transport = assertThrows(AtmosphereException.class, () -> load("mesh:\n  transports: [Relay!]\n", Map.of()));
        assertTrue(transport.getMessage().contains("mesh.transports"), transport.getMessage());
    }

    @Test
    void theRelayRunsWhenARelayIsKnownAndMeshTransportsRestrictTheChoice() throws Exception {
        MeshSettings plain = load("", Map.of());
        assertEquals(List.of("websocket"), plain.transportsToRun(List.of()));
        assertEquals(List.of("websocket", "relay"), plain.transportsToRun(List.of("wss://relay.example.net")));
        MeshSettings only = load("mesh:\n  transports: [relay]\n  relays: [ws://10.0.0.9:8765]\n", Map.of());
        assertEquals(List.of("relay"), only.transportsToRun(only.relays()));
        assertEquals(List.of("ws://10.0.0.9:8765"), only.relays());
    }
}
