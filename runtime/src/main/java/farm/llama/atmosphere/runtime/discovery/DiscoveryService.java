package farm.llama.atmosphere.runtime.discovery;

import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ConfigView;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.discovery.BackendClient;
import farm.llama.atmosphere.spi.discovery.BackendEndpoint;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.discovery.DiscoveryBackend;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds backends with every discovery plugin, now and then periodically
 * ({@code discovery.interval}), probing the configured {@code backends} and, unless
 * {@code discovery.probe-default-ports: false}, each kind's default ports on loopback. Tracks
 * each backend's health and capabilities, and publishes {@code backend.up}, {@code backend.down}
 * and {@code capabilities.changed} events. Thread-safe.
 */
public final class DiscoveryService implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DiscoveryService.class.getName());

    private record Kind(String type, DiscoveryBackend backend) {
    }

    private final List<Kind> kinds = new ArrayList<>();
    private final Map<String, BackendState> backends = new ConcurrentHashMap<>();
    private final Consumer<NodeEvent> events;
    private final List<BackendEndpoint> configured;
    private final List<String> configProblems;
    private final boolean probeDefaults;
    private final Duration interval;
    private final int concurrency;
    private volatile Thread loop;
    private volatile boolean closed;

    /**
     * @param providers discovery providers, highest weight first
     * @param contextFor the context of each provider
     * @param onFailure told (plugin, reason) when a provider cannot be created
     * @param discoveryConfig the {@code discovery} section
     * @param backendsConfig the {@code backends} list (plain values)
     * @param events where events go
     */
    public DiscoveryService(List<PluginHost.Found<DiscoveryProvider>> providers,
                            Function<PluginHost.Found<DiscoveryProvider>, NodeContext> contextFor,
                            BiConsumer<String, String> onFailure, ConfigView discoveryConfig, Object backendsConfig,
                            Consumer<NodeEvent> events) {
        this.events = events;
        this.probeDefaults = discoveryConfig.bool("probe-default-ports").orElseThrow();
        this.interval = discoveryConfig.duration("interval").orElseThrow();
        this.concurrency = (int) Math.max(1, discoveryConfig.number("max-concurrency").orElseThrow());
        for (PluginHost.Found<DiscoveryProvider> found : providers) {
            try {
                kinds.add(new Kind(found.provider().type(), found.provider().create(contextFor.apply(found))));
            } catch (RuntimeException | LinkageError e) {
                onFailure.accept(found.origin(), "discovery provider '" + found.provider().type() + "' failed: " + PluginHost.oneLine(e));
            }
        }
        List<String> problems = new ArrayList<>();
        this.configured = parseBackends(backendsConfig, problems,
                kinds.stream().map(Kind::type).collect(Collectors.toSet()));
        this.configProblems = List.copyOf(problems);
        problems.forEach(p -> LOG.log(System.Logger.Level.WARNING, p));
    }

    /** @return problems found in the {@code backends} config (each entry is skipped) */
    public List<String> configProblems() {
        return configProblems;
    }

    /** @return the configured interval between scans */
    public Duration interval() {
        return interval;
    }

    static List<BackendEndpoint> parseBackends(Object raw, List<String> problems, Set<String> knownTypes) {
        List<BackendEndpoint> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        if (!(raw instanceof List<?> list)) {
            problems.add("config key backends: expected a list of {type, url, api-key}; ignored");
            return out;
        }
        int i = 0;
        for (Object item : list) {
            String where = "config key backends[" + i++ + "]";
            if (!(item instanceof Map<?, ?> map)) {
                problems.add(where + ": expected {type, url, api-key}; skipped");
                continue;
            }
            String type = String.valueOf(map.get("type")).toLowerCase(Locale.ROOT);
            Object url = map.get("url");
            if (!knownTypes.contains(type)) {
                problems.add(where + ": type '" + map.get("type") + "' is not one of " + knownTypes + "; skipped");
                continue;
            }
            URI uri;
            try {
                uri = URI.create(String.valueOf(url));
                if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
                    throw new IllegalArgumentException("not an http(s) URL");
                }
            } catch (IllegalArgumentException e) {
                problems.add(where + ": url '" + url + "' is not an http(s) URL such as http://127.0.0.1:11434; skipped");
                continue;
            }
            Object key = map.get("api-key");
            Object continues = map.get("continue");
            if (continues != null && !(continues instanceof Boolean)) {
                problems.add(where + ": continue must be true or false (whether the backend continues a trailing assistant"
                        + " message), not '" + continues + "'; the backend is used as if it were not set");
                continues = null;
            }
            out.add(new BackendEndpoint(type, uri, key == null ? Optional.empty() : Optional.of(String.valueOf(key)),
                    Optional.ofNullable((Boolean) continues)));
        }
        return out;
    }

    /** Scans now, then every interval on a background thread. */
    public void start() {
        loop = Thread.ofVirtual().name("atmosphere-discovery").start(() -> {
            while (!closed) {
                try {
                    scanNow();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "Discovery scan failed: " + PluginHost.oneLine(e));
                }
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /**
     * Probes every kind now.
     *
     * @return every backend known after the scan
     */
    public synchronized List<BackendState> scanNow() {
        long t0 = System.nanoTime();
        Set<String> seen = new HashSet<>();
        for (Kind kind : kinds) {
            List<BackendEndpoint> mine = configured.stream().filter(e -> e.type().equals(kind.type())).toList();
            List<BackendClient> clients;
            try {
                clients = kind.backend().scan(mine, probeDefaults);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, () -> "Discovery '" + kind.type() + "' failed: " + PluginHost.oneLine(e));
                continue;
            }
            for (BackendClient client : clients) {
                String id = client.info().id();
                seen.add(id);
                BackendState state = backends.computeIfAbsent(id, k -> new BackendState(kind.type(), client, concurrency));
                state.refresh(client);
                probe(state);
            }
        }
        for (BackendState state : backends.values()) {
            if (!seen.contains(state.id()) && state.up()) {
                markDown(state, "not found at the last scan");
            }
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "Discovery scan: " + seen.size() + " backends in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return backends();
    }

    private void probe(BackendState state) {
        long t0 = System.nanoTime();
        List<Capability> before = state.capabilities();
        boolean wasUp = state.up();
        try {
            List<Capability> caps = state.client().capabilities();
            state.up(caps, (System.nanoTime() - t0) / 1e6);
            if (!wasUp) {
                publish("backend.up", state, Map.of("capabilities", caps.size()));
            }
            if (!sameIds(before, caps)) {
                publish("capabilities.changed", state, Map.of("capabilities", caps.stream().map(Capability::id).toList()));
            }
        } catch (CallFailedException e) {
            markDown(state, e.getMessage());
        }
    }

    private static boolean sameIds(List<Capability> a, List<Capability> b) {
        return a.stream().map(c -> c.id() + c.tags()).toList().equals(b.stream().map(c -> c.id() + c.tags()).toList());
    }

    /**
     * Marks a backend down at once (a refused connection), so failover skips its other models.
     *
     * @param state the backend
     * @param reason why
     */
    public void markDown(BackendState state, String reason) {
        boolean wasUp = state.up();
        state.down(reason);
        if (wasUp) {
            LOG.log(System.Logger.Level.WARNING, () -> "Backend " + state.id() + " is down: " + reason);
            publish("backend.down", state, Map.of("reason", reason));
        }
    }

    private void publish(String type, BackendState state, Map<String, Object> extra) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("backend", state.id());
        data.put("backendType", state.type());
        data.put("url", state.info().url().toString());
        data.putAll(extra);
        events.accept(new NodeEvent(type, Instant.now(), data));
    }

    /** @return every known backend, by id */
    public List<BackendState> backends() {
        List<BackendState> list = new ArrayList<>(backends.values());
        list.sort(Comparator.comparing(BackendState::id));
        return list;
    }

    /**
     * @param id a backend id
     * @return its state, if known
     */
    public Optional<BackendState> backend(String id) {
        return Optional.ofNullable(backends.get(id));
    }

    /** @return the capabilities of every backend that is up */
    public List<Capability> capabilities() {
        List<Capability> out = new ArrayList<>();
        for (BackendState s : backends()) {
            if (s.up()) {
                out.addAll(s.capabilities());
            }
        }
        return out;
    }

    /** @return the discovery types available */
    public Collection<String> types() {
        return kinds.stream().map(Kind::type).toList();
    }

    @Override
    public void close() {
        closed = true;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
        for (Kind k : kinds) {
            try {
                k.backend().close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "closing " + k.type() + ": " + e.getMessage());
            }
        }
    }
}
