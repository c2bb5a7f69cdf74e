package farm.llama.atmosphere.plugin.discovery.ollama;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.BackendEndpoint;
import farm.llama.atmosphere.spi.discovery.ProbingDiscovery;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Probes Ollama's {@code /api/version} on configured URLs and on 127.0.0.1:11434. */
final class OllamaDiscovery extends ProbingDiscovery<OllamaClient> {

    static final URI DEFAULT = URI.create("http://127.0.0.1:11434/");

    private final NodeContext context;

    OllamaDiscovery(NodeContext context) {
        super(List.of(DEFAULT));
        this.context = context;
    }

    @Override
    protected OllamaClient newClient(URI base, Optional<String> apiKey) {
        return new OllamaClient(context, base, apiKey, Optional.empty());
    }

    @Override
    protected OllamaClient newClient(URI base, BackendEndpoint endpoint) {
        return new OllamaClient(context, base, endpoint.apiKey(), endpoint.continues());
    }

    @Override
    protected void probe(OllamaClient client) {
        client.probe(Duration.ofSeconds(2));
    }
}
