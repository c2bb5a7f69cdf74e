package farm.llama.atmosphere.spi.discovery;

import farm.llama.atmosphere.spi.CallFailedException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The usual shape of a {@link DiscoveryBackend}: probe each configured URL (and the kind's
 * default URLs when allowed), keep one client per URL while it answers, and close clients whose
 * backend went away. Subclasses say how to make a client and how to probe it.
 *
 * <p>Thread-safe: {@link #scan} and {@link #close()} are synchronized.
 *
 * @param <C> the client type
 */
public abstract class ProbingDiscovery<C extends BackendClient> implements DiscoveryBackend {

    private final List<URI> defaults;
    private final Map<URI, C> clients = new LinkedHashMap<>();
    private boolean closed;

    /**
     * @param defaults the kind's default URLs on loopback, probed unless the owner turned it off
     */
    protected ProbingDiscovery(List<URI> defaults) {
        this.defaults = List.copyOf(defaults);
    }

    /**
     * @param base the backend's root URL (normalised)
     * @param apiKey the key to send, if configured
     * @return a client; it must not touch the network yet
     */
    protected abstract C newClient(URI base, Optional<String> apiKey);

    /**
     * Makes a client for a backend the owner listed, with what the owner said of it. By default the
     * listing's other settings are ignored.
     *
     * @param base the backend's root URL (normalised)
     * @param endpoint what the owner listed ({@link BackendEndpoint#continues()} among others)
     * @return a client; it must not touch the network yet
     */
    protected C newClient(URI base, BackendEndpoint endpoint) {
        return newClient(base, endpoint.apiKey());
    }

    /**
     * Asks the backend whether it is there and what it is.
     *
     * @param client the client
     * @throws CallFailedException when it does not answer as this kind of backend
     */
    protected abstract void probe(C client);

    /**
     * @param url a configured URL
     * @return the backend's root URL, as clients are keyed: by default with one trailing slash
     */
    protected URI normalise(URI url) {
        String s = url.toString();
        return URI.create(s.endsWith("/") ? s : s + "/");
    }

    @Override
    public final synchronized List<BackendClient> scan(List<BackendEndpoint> configured, boolean probeDefaultPorts) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Map<URI, Optional<BackendEndpoint>> targets = new LinkedHashMap<>();
        for (BackendEndpoint e : configured) {
            targets.put(normalise(e.url()), Optional.of(e));
        }
        if (probeDefaultPorts) {
            defaults.forEach(d -> targets.putIfAbsent(d, Optional.empty()));
        }
        List<BackendClient> found = new ArrayList<>();
        for (Map.Entry<URI, Optional<BackendEndpoint>> t : targets.entrySet()) {
            C client = clients.computeIfAbsent(t.getKey(), u -> Objects.requireNonNull(
                    t.getValue().isPresent() ? newClient(u, t.getValue().get()) : newClient(u, Optional.empty())));
            try {
                probe(client);
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
        clients.values().forEach(BackendClient::close);
        clients.clear();
    }
}
