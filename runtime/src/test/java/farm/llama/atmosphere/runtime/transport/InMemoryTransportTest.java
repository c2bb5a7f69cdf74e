package farm.llama.atmosphere.runtime.transport;

import farm.llama.atmosphere.spi.contract.TransportContract;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportListener;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.util.Optional;
import java.util.UUID;

class InMemoryTransportTest extends TransportContract {

    @Override
    protected Transport newTransport() {
        return new InMemoryTransport();
    }

    @Override
    protected String listen(Transport t, TransportListener listener) {
        t.start(new TransportOptions("node-" + UUID.randomUUID(), 0, Optional.empty()), listener);
        return t.endpoints().get(0);
    }
}
