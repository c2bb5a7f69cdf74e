package farm.llama.atmosphere.spi.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import farm.llama.atmosphere.spi.discovery.BackendClient;
import farm.llama.atmosphere.spi.discovery.BackendEndpoint;
import farm.llama.atmosphere.spi.discovery.DiscoveryBackend;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What every discovery provider must do: a backend that nobody answers for is not found (and no
 * failure escapes the scan), and closing is harmless twice.
 */
public abstract class DiscoveryContract extends ProviderContract<DiscoveryProvider> {

    @Override
    protected Class<DiscoveryProvider> family() {
        return DiscoveryProvider.class;
    }

    /** @return a loopback URL where nothing listens */
    protected static URI nobodyListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    @Test
    public void aBackendNobodyAnswersForIsNotFound() throws Exception {
        DiscoveryBackend backend = provider().create(context());
        try {
            List<BackendClient> found = backend.scan(List.of(new BackendEndpoint(provider().type(), nobodyListens(), Optional.empty())), false);
            assertEquals(List.of(), found);
        } finally {
            backend.close();
            backend.close();
        }
    }
}
