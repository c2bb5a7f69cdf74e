package farm.llama.atmosphere.runtime;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A documented configuration key.
 *
 * @param name dotted kebab-case name ({@code api.allowed-hosts})
 * @param type its type
 * @param defaultValue the default (String, Long, Boolean, List or null)
 * @param doc one line for people
 */
public record ConfigKey(String name, Type type, Object defaultValue, String doc) {

    /** Value types. */
    public enum Type {
        /** Text. */
        STRING("text"),
        /** A TCP port, 0-65535. */
        PORT("a port number 0-65535"),
        /** true or false. */
        BOOLEAN("true or false"),
        /** A list of text values (in the environment: a JSON array). */
        LIST("a list of text values"),
        /** An ISO-8601 duration ({@code PT30S}) or a short form ({@code 30s}). */
        DURATION("a duration such as PT30S or 30s"),
        /** A log level. */
        LOG_LEVEL("one of ERROR, WARNING, INFO, DEBUG, TRACE"),
        /** A positive whole number. */
        SIZE("a positive whole number");

        private final String expected;

        Type(String expected) {
            this.expected = expected;
        }

        /** @return what a valid value looks like, for error messages */
        public String expected() {
            return expected;
        }
    }

    /** Validates. */
    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
    }

    /** @return the environment variable that overrides it: {@code a.b-c} → {@code ATMOSPHERE_A_B_C} */
    public String envName() {
        return envNameOf(name);
    }

    /**
     * @param key a dotted key
     * @return its environment variable name
     */
    public static String envNameOf(String key) {
        return "ATMOSPHERE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The keys this version knows, with their defaults. */
    public static final List<ConfigKey> ALL = List.of(
            new ConfigKey("node.name", Type.STRING, null, "display name of this node (default: the identity's name)"),
            new ConfigKey("api.host", Type.STRING, "127.0.0.1", "address the HTTP API binds; loopback unless you mean otherwise"),
            new ConfigKey("api.port", Type.PORT, 11451L, "port of the HTTP API"),
            new ConfigKey("api.allowed-hosts", Type.LIST, List.of(), "extra Host header names accepted (DNS-rebinding guard)"),
            new ConfigKey("api.allowed-origins", Type.LIST, List.of(), "browser origins allowed to call the API (CSRF guard), e.g. http://localhost:3000"),
            new ConfigKey("api.max-body-size", Type.SIZE, 10L * 1024 * 1024, "largest request body accepted, in bytes"),
            new ConfigKey("api.tls.keystore", Type.STRING, null, "PKCS#12 keystore with the API's TLS certificate; enables HTTPS"),
            new ConfigKey("api.tls.keystore-password", Type.STRING, null, "password of api.tls.keystore"),
            new ConfigKey("api.require-key-on-loopback", Type.BOOLEAN, false, "require API keys and the admin token from local clients too (shared machines)"),
            new ConfigKey("log.level", Type.LOG_LEVEL, "INFO", "log level: ERROR, WARNING, INFO, DEBUG or TRACE"),
            new ConfigKey("plugins.enabled", Type.BOOLEAN, true, "load drop-in plugins at all"),
            new ConfigKey("mesh.port", Type.PORT, null, "the mesh port other nodes connect to (mutual TLS); default 11452"),
            new ConfigKey("mesh.bind", Type.STRING, null, "address the mesh port binds; default 0.0.0.0 (every link is mutually authenticated)"),
            new ConfigKey("mesh.advertise", Type.LIST, null, "endpoints announced to the mesh, e.g. [\"wss://laptop.lan:11452\"]; default: every local address"),
            new ConfigKey("mesh.approval", Type.STRING, null, "auto: a valid invite admits at once; manual: every join waits for 'atmosphere approve'"),
            new ConfigKey("mesh.probe.interval", Type.DURATION, null, "how often a member is probed (SWIM); default 1s"),
            new ConfigKey("mesh.probe.timeout", Type.DURATION, null, "how long a direct probe waits before indirect probes; default half the interval"),
            new ConfigKey("mesh.gossip.interval", Type.DURATION, null, "how often pending membership news is gossiped; default 200ms"),
            new ConfigKey("mesh.push-pull.interval", Type.DURATION, null, "how often two members exchange their whole view; default 30s"),
            new ConfigKey("mesh.suspicion.multiplier", Type.SIZE, null, "suspicion timeout = multiplier x log10(members) x probe interval; default 3"),
            new ConfigKey("mesh.join-wait", Type.DURATION, null, "how long 'mesh join' waits for the owner's approval; default 10m"),
            new ConfigKey("mesh.mdns", Type.BOOLEAN, null, "advertise this node and listen for others on the LAN (mDNS, _atmosphere._tcp); default true"),
            new ConfigKey("mesh.mdns-address", Type.STRING, null, "the address mDNS uses; default the mesh bind address, else the first LAN address"));

    /** Top-level sections whose content belongs to plugins and later features: not checked against {@link #ALL}. */
    public static final List<String> OPEN_SECTIONS = List.of(
            "discovery", "backends", "mesh", "routing", "embedder", "transport", "agents", "tools",
            "models", "policy", "cost", "triggers");
}
