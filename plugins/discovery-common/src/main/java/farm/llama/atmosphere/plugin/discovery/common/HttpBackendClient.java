package farm.llama.atmosphere.plugin.discovery.common;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.BackendClient;
import farm.llama.atmosphere.spi.discovery.BackendInfo;
import java.net.URI;
import java.util.Optional;

/**
 * What the HTTP backend clients share: the node context, the HTTP helper, the backend id
 * ({@code <type>@<host>:<port>}) and the closed flag (source shared by the discovery plugins,
 * compiled into each).
 */
public abstract class HttpBackendClient implements BackendClient {

    /** The node context. */
    protected final NodeContext context;
    /** HTTP to the backend. */
    protected final Http http;
    /** The backend id. */
    protected final String id;
    private final String type;
    private volatile boolean closed;

    /**
     * @param context the node context
     * @param type the discovery type
     * @param url the backend's root URL
     * @param apiKey the key to send, if any
     */
    protected HttpBackendClient(NodeContext context, String type, URI url, Optional<String> apiKey) {
        this.context = context;
        this.type = type;
        this.http = new Http(url, apiKey);
        this.id = type + "@" + url.getHost() + ":" + (url.getPort() < 0 ? 80 : url.getPort());
    }

    /** @return what the backend reports of its version or flavour, or "" */
    protected abstract String version();

    /** @throws CallFailedException UNREACHABLE once closed */
    protected void open() {
        if (closed) {
            throw new CallFailedException(FailureKind.UNREACHABLE, id + " is closed");
        }
    }

    @Override
    public BackendInfo info() {
        return new BackendInfo(id, type, http.base(), version());
    }

    @Override
    public void close() {
        closed = true;
        http.close();
    }
}
