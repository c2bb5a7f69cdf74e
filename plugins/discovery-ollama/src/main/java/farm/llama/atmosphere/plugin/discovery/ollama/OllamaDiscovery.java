package farm.llama.atmosphere.plugin.discovery.ollama;

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

/** Probes Ollama's {@code /api/version} on configured URLs and on 127.0.0.1:11434. */
final class OllamaDiscovery implements DiscoveryBackend {

    static final URI DEFAULT = URI.create("http://127.0.0.1:11434/");

    private final NodeContext context;
    private final Map<URI, OllamaClient> clients = new LinkedHashMap<>();
    private boolean closed;

    OllamaDiscovery(NodeContext context) {
        this.context = context;
    }

    @Override
    public synchronized List<BackendClient> scan(List<BackendEndpoint> configured, boolean probeDefaultPorts) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Map<URI, Optional<String>> targets = new LinkedHashMap<>();
        for (BackendEndpoint e : configured) {
            targets.put(normalise(e.url()), e.apiKey());
        }
        if (probeDefaultPorts) {
            targets.putIfAbsent(DEFAULT, Optional.empty());
        }
        List<BackendClient> found = new ArrayList<>();
        for (Map.Entry<URI, Optional<String>> t : targets.entrySet()) {
            OllamaClient client = clients.computeIfAbsent(t.getKey(), u -> new OllamaClient(context, u, t.getValue()));
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

    static URI normalise(URI url) {
        String s = url.toString();
        return URI.create(s.endsWith("/") ? s : s + "/");
    }

    @Override
    public synchronized void close() {
        closed = true;
        clients.values().forEach(OllamaClient::close);
        clients.clear();
    }
}
