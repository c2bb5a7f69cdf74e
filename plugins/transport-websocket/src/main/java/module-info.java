/** Node-to-node links over WebSocket (RFC 6455) with mutual TLS. */
module farm.llama.atmosphere.plugin.transport.websocket {
    requires farm.llama.atmosphere.spi;

    provides farm.llama.atmosphere.spi.transport.TransportProvider
            with farm.llama.atmosphere.plugin.transport.websocket.WebSocketTransportProvider;
}
