package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.discovery.BackendClient;
import farm.llama.atmosphere.spi.discovery.BackendInfo;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Flow;

/** Another member's backends, seen by this node's router as one backend reached over the mesh. */
final class MeshBackendClient implements BackendClient {

    private final String node;
    private final BackendInfo info;
    private final MeshForwarding forwarding;

    MeshBackendClient(String node, String endpoint, MeshForwarding forwarding) {
        this.node = node;
        URI url;
        try {
            url = URI.create(endpoint.isEmpty() ? "mesh://" + node : endpoint);
        } catch (IllegalArgumentException e) {
            url = URI.create("mesh://" + node);
        }
        this.info = new BackendInfo("mesh:" + node, "mesh", url, "");
        this.forwarding = forwarding;
    }

    @Override
    public BackendInfo info() {
        return info;
    }

    @Override
    public List<Capability> capabilities() {
        return List.of();
    }

    @Override
    public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
        return forwarding.chat(node, request);
    }

    @Override
    public Embeddings embed(EmbedRequest request) {
        return forwarding.embed(node, request);
    }

    @Override
    public void close() {
        // nothing held: the mesh runtime owns the links
    }
}
