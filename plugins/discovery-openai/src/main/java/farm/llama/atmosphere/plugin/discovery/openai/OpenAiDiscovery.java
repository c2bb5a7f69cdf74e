package farm.llama.atmosphere.plugin.discovery.openai;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.BackendEndpoint;
import farm.llama.atmosphere.spi.discovery.ProbingDiscovery;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Probes {@code GET /v1/models} on configured URLs and on the default ports of LM Studio (1234),
 * llama.cpp's server (8080) and vLLM (8000) on loopback. A configured URL may include
 * {@code /v1} or not.
 */
final class OpenAiDiscovery extends ProbingDiscovery<OpenAiClient> {

    static final List<URI> DEFAULTS = List.of(URI.create("http://127.0.0.1:1234/"),
            URI.create("http://127.0.0.1:8080/"), URI.create("http://127.0.0.1:8000/"));

    private final NodeContext context;

    OpenAiDiscovery(NodeContext context) {
        super(DEFAULTS);
        this.context = context;
    }

    @Override
    protected OpenAiClient newClient(URI base, Optional<String> apiKey) {
        return new OpenAiClient(context, base, apiKey, Optional.empty());
    }

    @Override
    protected OpenAiClient newClient(URI base, BackendEndpoint endpoint) {
        return new OpenAiClient(context, base, endpoint.apiKey(), endpoint.continues());
    }

    @Override
    protected void probe(OpenAiClient client) {
        client.probe(Duration.ofSeconds(2));
    }

    /** The server root, with a trailing slash and without {@code /v1}. */
    @Override
    protected URI normalise(URI url) {
        String s = url.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.endsWith("/v1")) {
            s = s.substring(0, s.length() - 3);
        }
        return URI.create(s + "/");
    }
}
