package farm.llama.atmosphere.runtime;

import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.config.ConfigLoader;
import farm.llama.atmosphere.runtime.config.TreeConfigView;
import farm.llama.atmosphere.spi.ConfigView;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The node's validated configuration: {@code config.yaml}, then {@code ATMOSPHERE_*} environment
 * overrides, then defaults. Immutable.
 */
public final class NodeConfig {

    private final Map<String, Object> tree;
    private final TreeConfigView view;
    private final Function<String, String> where;

    private NodeConfig(ConfigLoader.Loaded loaded) {
        this.tree = loaded.tree();
        this.view = new TreeConfigView("", tree);
        this.where = loaded.where();
    }

    /**
     * @param file {@code config.yaml} (may be absent)
     * @param env the environment
     * @return the configuration
     * @throws ConfigException naming file, line and key of every problem
     */
    public static NodeConfig load(Path file, Map<String, String> env) {
        return new NodeConfig(ConfigLoader.load(file, env));
    }

    /** @return the defaults alone */
    public static NodeConfig defaults() {
        return new NodeConfig(ConfigLoader.load(Path.of("/nonexistent/atmosphere/config.yaml"), Map.of()));
    }

    /** @return the whole tree as a view */
    public ConfigView view() {
        return view;
    }

    /** @return the whole tree */
    public Map<String, Object> asMap() {
        return tree;
    }

    /**
     * @param key a dotted key
     * @return where it was given, for an error message: {@code file:line: key}
     */
    public String where(String key) {
        return where.apply(key);
    }

    /** @return {@code api.host} */
    public String apiHost() {
        return view.string("api.host").orElseThrow();
    }

    /** @return {@code api.port} */
    public int apiPort() {
        return view.number("api.port").orElseThrow().intValue();
    }

    /** @return {@code api.allowed-hosts} */
    public List<String> allowedHosts() {
        return view.list("api.allowed-hosts");
    }

    /** @return {@code api.allowed-origins} */
    public List<String> allowedOrigins() {
        return view.list("api.allowed-origins");
    }

    /** @return {@code api.max-body-size} in bytes */
    public long maxBodySize() {
        return view.number("api.max-body-size").orElseThrow();
    }

    /** @return {@code api.tls.keystore}, if HTTPS is configured */
    public Optional<Path> tlsKeystore() {
        return view.path("api.tls.keystore");
    }

    /** @return {@code api.tls.keystore-password} */
    public Optional<String> tlsKeystorePassword() {
        return view.string("api.tls.keystore-password");
    }

    /** @return {@code api.require-key-on-loopback} */
    public boolean requireKeyOnLoopback() {
        return view.bool("api.require-key-on-loopback").orElseThrow();
    }

    /** @return {@code node.name}, if set */
    public Optional<String> nodeName() {
        return view.string("node.name").filter(s -> !s.isBlank());
    }

    /** @return {@code log.level} */
    public String logLevel() {
        return view.string("log.level").orElseThrow();
    }

    /** @return {@code plugins.enabled} */
    public boolean pluginsEnabled() {
        return view.bool("plugins.enabled").orElseThrow();
    }
}
