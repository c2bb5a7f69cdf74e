package farm.llama.atmosphere.plugin.discovery.openai;

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
 * Probes {@code GET /v1/models} on configured URLs and on the default ports of LM Studio (1234),
 * llama.cpp's server (8080) and vLLM (8000) on loopback. A configured URL may include
 * {@code /v1} or not.
 */
final class OpenAiDiscovery implements DiscoveryBackend {

    static final List<URI> DEFAULTS = List.of(URI.create("http://127.0.0.1:1234/"),
            URI.create("http://127.0.0.1:8080/"), URI.create("http://127.0.0.1:8000/"));

    private final NodeContext context;
    private final Map<URI, OpenAiClient> clients = new LinkedHashMap<>();
    private boolean closed;

    OpenAiDiscovery(NodeContext context) {
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
            DEFAULTS.forEach(d -> targets.putIfAbsent(d, Optional.empty()));
        }
        List<BackendClient> found = new ArrayList<>();
        for (Map.Entry<URI, Optional<String>> t : targets.entrySet()) {
            OpenAiClient client = clients.computeIfAbsent(t.getKey(), u -> new OpenAiClient(context, u, t.getValue()));
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

    /** The server root, with a trailing slash and without {@code /v1}. */
    static URI normalise(URI url) {
        String s = url.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.endsWith("/v1")) {
            s = s.substring(0, s.length() - 3);
        }
        return URI.create(s + "/");
    }

    @Override
    public synchronized void close() {
        closed = true;
        clients.values().forEach(OpenAiClient::close);
        clients.clear();
    }
}
