package farm.llama.atmosphere.runtime.transport;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportProvider;

/** The in-memory transport: weight 0, so a real transport is always preferred. */
public final class InMemoryTransportProvider implements TransportProvider {

    /** Found by ServiceLoader. */
    public InMemoryTransportProvider() {
    }

    @Override
    public String type() {
        return "memory";
    }

    @Override
    public int weight() {
        return 0;
    }

    @Override
    public Transport create(NodeContext context) {
        return new InMemoryTransport();
    }
}
