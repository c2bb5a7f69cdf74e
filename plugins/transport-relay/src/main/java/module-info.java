/** Mesh links through a relay, for members that cannot reach each other directly. */
module farm.llama.atmosphere.plugin.transport.relay {
    requires farm.llama.atmosphere.spi;
    requires com.fasterxml.jackson.databind;
    requires java.net.http;

    provides farm.llama.atmosphere.spi.transport.TransportProvider
            with farm.llama.atmosphere.plugin.transport.relay.RelayTransportProvider;
}
