package farm.llama.atmosphere.plugin.discovery.llamafarm;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.ProbingDiscovery;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Probes LlamaFarm's {@code /health} on configured URLs and on 127.0.0.1:14345. The namespaces to
 * list projects from are {@code discovery.llamafarm.namespaces} (default: default, atmosphere,
 * edge, examples, llamafarm).
 */
final class LlamaFarmDiscovery extends ProbingDiscovery<LlamaFarmClient> {

    static final URI DEFAULT = URI.create("http://127.0.0.1:14345/");
    static final List<String> NAMESPACES = List.of("default", "atmosphere", "edge", "examples", "llamafarm");

    private final NodeContext context;
    private final List<String> namespaces;

    LlamaFarmDiscovery(NodeContext context) {
        super(List.of(DEFAULT));
        this.context = context;
        List<String> configured = context.config().list("namespaces");
        this.namespaces = configured.isEmpty() ? NAMESPACES : configured;
    }

    @Override
    protected LlamaFarmClient newClient(URI base, Optional<String> apiKey) {
        return new LlamaFarmClient(context, base, apiKey, namespaces);
    }

    @Override
    protected void probe(LlamaFarmClient client) {
        client.probe(Duration.ofSeconds(2));
    }
}
