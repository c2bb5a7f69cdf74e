package farm.llama.atmosphere.plugin.discovery.llamafarm;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.BackendClient;
import farm.llama.atmosphere.spi.discovery.BackendEndpoint;
import farm.llama.atmosphere.spi.discovery.DiscoveryBackend;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Probes LlamaFarm's {@code /health} on configured URLs and on 127.0.0.1:14345. The namespaces to
 * list projects from are {@code discovery.llamafarm.namespaces} (default: default, atmosphere,
 * edge, examples, llamafarm).
 */
final class LlamaFarmDiscovery implements DiscoveryBackend {

    static final URI DEFAULT = URI.create("http://127.0.0.1:14345/");
    static final List<String> NAMESPACES = List.of("default", "atmosphere", "edge", "examples", "llamafarm");

    private final NodeContext context;
    private final List<String> namespaces;
    private final Map<URI, LlamaFarmClient> clients = new LinkedHashMap<>();
    private boolean closed;

    LlamaFarmDiscovery(NodeContext context) {
        this.context = context;
        List<String> configured = context.config().list("namespaces");
        this.namespaces = configured.isEmpty() ? NAMESPACES : configured;
    }

    @Override
    public synchronized List<BackendClient> scan(List<BackendEndpoint> configured, boolean probeDefaultPorts) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Map<URI, Optional<String>> targets = new LinkedHashMap<>();
        for (BackendEndpoint e : configured) {
            String s = e.url().toString();
            targets.put(URI.create(s.endsWith("/") ? s : s + "/"), e.apiKey());
        }
        if (probeDefaultPorts) {
            targets.putIfAbsent(DEFAULT, Optional.empty());
        }
        List<BackendClient> found = new ArrayList<>();
        for (Map.Entry<URI, Optional<String>> t : targets.entrySet()) {
            LlamaFarmClient client = clients.computeIfAbsent(t.getKey(), u -> new LlamaFarmClient(context, u, t.getValue(), namespaces));
            try {
                client.probe(Duration.ofSeconds(2));
                found.add(client);
            } catch (CallFailedException e) {
                clients.remove(t.getKey());
                client.close();
            }
        }
        for (URI gone : new ArrayList<>(clients.keySet())) {
            if (!targets.containsKey(gone)) {
                clients.remove(gone).close();
            }
        }
        return found;
    }

    @Override
    public synchronized void close() {
        closed = true;
        clients.values().forEach(LlamaFarmClient::close);
        clients.clear();
    }
}
