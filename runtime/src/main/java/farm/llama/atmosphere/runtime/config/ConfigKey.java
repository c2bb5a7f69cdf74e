package farm.llama.atmosphere.runtime.config;

import farm.llama.atmosphere.spi.Provider;
import farm.llama.atmosphere.spi.agent.AgentTypeProvider;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;
import farm.llama.atmosphere.spi.routing.EmbedderProvider;
import farm.llama.atmosphere.spi.routing.RouterProvider;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import farm.llama.atmosphere.spi.transport.TransportProvider;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One configuration key the node reads: declared once here with its type, default and meaning,
 * and read nowhere else with a default of its own. {@link #ALL} is the registry: the loader checks
 * {@code config.yaml} against it, {@code init} writes it out commented, the man page lists it and
 * a test holds the README's table to it. Keys of a plugin's own section ({@code transport.websocket.*})
 * are declared by the plugin ({@link Provider#settings()}) and checked by {@link PluginSettings}.
 *
 * @param name dotted kebab-case name ({@code api.allowed-hosts})
 * @param type its type
 * @param defaultValue the default as readers get it (String, Long, Boolean or List), or null
 * @param shownDefault the default for people: the value, or what it is when it is computed ("half the interval")
 * @param doc one line for people
 */
public record ConfigKey(String name, Type type, Object defaultValue, String shownDefault, String doc) {

    /** Value types. */
    public enum Type {
        /** Text. */
        STRING("text", "text"),
        /** A file path; {@code ~/} is the user's home folder. */
        PATH("path", "a file path"),
        /** A TCP port, 0-65535. */
        PORT("port", "a port number 0-65535"),
        /** true or false. */
        BOOLEAN("boolean", "true or false"),
        /** A list of text values (in the environment: a JSON array). */
        LIST("list", "a list of text values"),
        /** An ISO-8601 duration ({@code PT30S}) or a short form ({@code 30s}). */
        DURATION("duration", "a duration such as PT30S or 30s"),
        /** A log level. */
        LOG_LEVEL("level", "one of ERROR, WARNING, INFO, DEBUG, TRACE"),
        /** A positive whole number. */
        NUMBER("number", "a positive whole number"),
        /** A size in bytes. */
        BYTES("bytes", "a positive whole number of bytes"),
        /** A rate: text its reader checks ({@code 120/m}, {@code 20MB}). */
        RATE("rate", "a rate such as 120/m or 20MB"),
        /** A mapping of names to values; its reader checks the content. */
        MAPPING("mapping", "a mapping of names to values"),
        /** A list of mappings; its reader checks the content. */
        MAPPINGS("list of mappings", "a list of mappings such as - {type: ollama, url: http://host:11434}");

        private final String word;
        private final String expected;

        Type(String word, String expected) {
            this.word = word;
            this.expected = expected;
        }

        /** @return the type as the README's table names it */
        public String word() {
            return word;
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
        Objects.requireNonNull(shownDefault, "shownDefault");
        Objects.requireNonNull(doc, "doc");
    }

    private static ConfigKey key(String name, Type type, Object defaultValue, String doc) {
        String shown = defaultValue == null ? "" : defaultValue instanceof List<?> l && !l.isEmpty()
                ? "[" + String.join(", ", l.stream().map(String::valueOf).toList()) + "]" : defaultValue.toString();
        return new ConfigKey(name, type, defaultValue, shown, doc);
    }

    private static ConfigKey computed(String name, Type type, String shownDefault, String doc) {
        return new ConfigKey(name, type, null, shownDefault, doc);
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

    /**
     * @param name a dotted key
     * @return the key of that name, if the node reads it
     */
    public static Optional<ConfigKey> named(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The keys this version reads, with their defaults. */
    public static final List<ConfigKey> ALL = List.of(
            computed("node.name", Type.STRING, "the identity's name", "display name of this node"),
            key("api.host", Type.STRING, "127.0.0.1", "address the HTTP API binds; loopback unless you mean otherwise"),
            key("api.port", Type.PORT, 11451L, "port of the HTTP API"),
            key("api.allowed-hosts", Type.LIST, List.of(), "extra Host header names accepted (DNS-rebinding guard)"),
            key("api.allowed-origins", Type.LIST, List.of(), "browser origins allowed to call the API (CSRF guard), e.g. http://localhost:3000"),
            key("api.max-body-size", Type.BYTES, 10L * 1024 * 1024, "largest request body accepted, in bytes"),
            key("api.tls.keystore", Type.PATH, null, "PKCS#12 keystore with the API's TLS certificate; enables HTTPS"),
            key("api.tls.keystore-password", Type.STRING, null, "password of api.tls.keystore"),
            key("api.require-key-on-loopback", Type.BOOLEAN, false, "require API keys and the admin token from local clients too (shared machines)"),
            key("ui.login-code-ttl", Type.DURATION, "60s", "how long a sign-in code of 'atmosphere dashboard' may be used (once)"),
            key("ui.session-ttl", Type.DURATION, "12h", "how long a dashboard session lasts before the browser must sign in again"),
            key("ui.show-prompts", Type.BOOLEAN, false, "keep the text of prompts and answers in the request log, shown only to admins (the dashboard signed in by atmosphere dashboard)"),
            key("log.level", Type.LOG_LEVEL, "INFO", "log level: ERROR, WARNING, INFO, DEBUG or TRACE"),
            key("plugins.enabled", Type.BOOLEAN, true, "load drop-in plugins at all"),
            key("backends", Type.MAPPINGS, null, "backends to probe besides the default ports: - {type: ollama|openai|llamafarm, url: http://..., api-key: ..., continue: true|false}"),
            key("discovery.probe-default-ports", Type.BOOLEAN, true, "probe the backends' default ports on loopback"),
            key("discovery.interval", Type.DURATION, "30s", "how often backends are re-scanned"),
            key("discovery.max-concurrency", Type.NUMBER, 4L, "requests a backend runs at once; beyond every cap requests queue"),
            key("routing.timeout", Type.DURATION, "120s", "how long a backend may take to its first chunk before failover"),
            key("routing.queue-timeout", Type.DURATION, "5s", "how long a request waits for a free backend"),
            key("routing.max-attempts", Type.NUMBER, 3L, "candidates a request may try (failover)"),
            computed("routing.embedder", Type.STRING, "highest weight", "the embedder provider to use, by type (lexical, minilm)"),
            computed("routing.router", Type.STRING, "highest weight", "the router provider to use, by type (semantic)"),
            computed("routing.examples", Type.MAPPING, "none", "your own example intents per task, e.g. code: [\"my build breaks\"] (tasks: chat, code, reasoning, math, translation, vision, embed)"),
            key("cost.metered", Type.BOOLEAN, false, "this node's network is metered"),
            computed("cost.prices", Type.MAPPING, "0 per model", "API price in USD per million tokens, per model"),
            key("tools.enabled-outside", Type.LIST, List.of(), "tools that reach files, processes or the network, enabled by the owner"),
            key("tools.disabled", Type.LIST, List.of(), "tools switched off on this node"),
            computed("tools.timeouts", Type.MAPPING, "the tool's own", "a time limit per tool, e.g. llm: 30s"),
            computed("tools.grants", Type.MAPPING, "local: [\"*\"]", "permissions each caller holds (local, trigger, mesh, a member's node id)"),
            key("agents.max-per-caller", Type.NUMBER, 8L, "agents spawned here for one caller other than the owner"),
            key("agents.trigger-queue", Type.NUMBER, 100L, "trigger intents that may wait before a firing is refused"),
            key("models.shared-dirs", Type.LIST, List.of(), "folders whose files members may copy with 'model pull'"),
            computed("models.dir", Type.PATH, "<data>/models", "where 'model pull' puts the files it copies"),
            computed("models.max-transfer-rate", Type.RATE, "unlimited", "pace of 'model pull' (20MB, 512KB/s)"),
            computed("triggers", Type.MAPPING, "none", "triggers: <capability>.<event> -> intent, route, throttle, priority, params"),
            key("mesh.port", Type.PORT, 11452L, "the mesh port other nodes connect to (mutual TLS)"),
            key("mesh.bind", Type.STRING, "0.0.0.0", "address the mesh port binds (every link is mutually authenticated)"),
            computed("mesh.advertise", Type.LIST, "every local address", "endpoints announced to the mesh, e.g. [\"wss://laptop.lan:11452\"]"),
            key("mesh.approval", Type.STRING, "auto", "auto: a valid invite admits at once; manual: every join waits for 'atmosphere approve'"),
            key("mesh.transport", Type.STRING, "websocket", "the transport the mesh port listens with"),
            computed("mesh.transports", Type.LIST, "[websocket], plus relay when a relay is known", "the transports the mesh runs over, in order of preference"),
            key("mesh.relays", Type.LIST, List.of(), "relays to keep a connection to (ws://host:8765, wss://host)"),
            key("mesh.probe.interval", Type.DURATION, "1s", "how often a member is probed (SWIM)"),
            computed("mesh.probe.timeout", Type.DURATION, "half the interval", "how long a direct probe waits before indirect probes"),
            key("mesh.gossip.interval", Type.DURATION, "200ms", "how often pending membership news is gossiped"),
            key("mesh.push-pull.interval", Type.DURATION, "30s", "how often two members exchange their whole view"),
            key("mesh.suspicion.multiplier", Type.NUMBER, 3L, "suspicion timeout = multiplier x log10(members) x probe interval"),
            key("mesh.join-wait", Type.DURATION, "10m", "how long 'mesh join' waits for the owner's approval"),
            key("mesh.mdns", Type.BOOLEAN, true, "advertise this node and listen for others on the LAN (mDNS, _atmosphere._tcp)"),
            computed("mesh.mdns-address", Type.STRING, "the mesh bind address, else the first LAN address", "the address mDNS uses"),
            key("policy.share", Type.BOOLEAN, true, "offer this node's models to the mesh at all"),
            key("policy.allow", Type.LIST, List.of("*"), "model globs offered to every member"),
            key("policy.deny", Type.LIST, List.of(), "model globs withheld from every member (not even published)"),
            key("policy.rate", Type.RATE, "120/m", "requests per member per s, m or h"),
            key("policy.concurrency", Type.NUMBER, 4L, "requests per member at once"),
            computed("policy.peers", Type.MAPPING, "none", "allow, deny, rate and concurrency for one member, by node id"));

    private static final Map<String, ConfigKey> BY_NAME = index();
    /** Every section that holds keys of the registry, "" (the top level) included. */
    private static final Set<String> SECTIONS = sections();

    private static Set<String> sections() {
        Set<String> out = new HashSet<>();
        out.add("");
        for (ConfigKey k : ALL) {
            for (int dot = k.name().indexOf('.'); dot > 0; dot = k.name().indexOf('.', dot + 1)) {
                out.add(k.name().substring(0, dot));
            }
        }
        return Set.copyOf(out);
    }

    /**
     * @param section a dotted section ({@code mesh.probe}), "" for the top level
     * @return whether the registry declares keys directly or deeper in it
     */
    public static boolean holdsKeys(String section) {
        return SECTIONS.contains(section);
    }

    private static Map<String, ConfigKey> index() {
        Map<String, ConfigKey> m = new LinkedHashMap<>();
        for (ConfigKey k : ALL) {
            if (m.put(k.name(), k) != null) {
                throw new IllegalStateException("config key declared twice: " + k.name());
            }
        }
        return Map.copyOf(m);
    }

    /**
     * Top-level sections in which a mapping under a name the node does not read is a provider's
     * own section ({@code transport.websocket:}), checked against what that provider declares.
     */
    public static final Map<String, Class<? extends Provider>> PLUGIN_SECTIONS = pluginSections();

    private static Map<String, Class<? extends Provider>> pluginSections() {
        Map<String, Class<? extends Provider>> m = new LinkedHashMap<>(); // ordered: messages and suggestions are stable
        m.put("discovery", DiscoveryProvider.class);
        m.put("tools", ToolProvider.class);
        m.put("agents", AgentTypeProvider.class);
        m.put("routing", RouterProvider.class);
        m.put("embedder", EmbedderProvider.class);
        m.put("transport", TransportProvider.class);
        return Collections.unmodifiableMap(m);
    }
}
