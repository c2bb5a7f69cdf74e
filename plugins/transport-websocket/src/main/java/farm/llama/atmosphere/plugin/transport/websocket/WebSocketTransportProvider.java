package farm.llama.atmosphere.plugin.transport.websocket;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportProvider;

/**
 * The WebSocket transport. Config ({@code transport.websocket}): {@code max-frame} (bytes, default
 * 16 MiB), {@code handshake-timeout} (default 10s).
 */
public final class WebSocketTransportProvider implements TransportProvider {

    /** Found by ServiceLoader. */
    public WebSocketTransportProvider() {
    }

    @Override
    public String type() {
        return "websocket";
    }

    @Override
    public Transport create(NodeContext context) {
        long maxFrame = context.config().number("max-frame").orElse(WebSocketTransport.DEFAULT_MAX_FRAME);
        var handshake = context.config().duration("handshake-timeout").orElse(WebSocketTransport.DEFAULT_HANDSHAKE_TIMEOUT);
        return new WebSocketTransport((int) Math.min(Integer.MAX_VALUE - 16, maxFrame), handshake);
    }
}
