package farm.llama.atmosphere.plugin.transport.websocket;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Setting;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportProvider;
import java.util.List;

/** The WebSocket transport, configured by {@code transport.websocket} ({@link WebSocketSettings}). */
public final class WebSocketTransportProvider implements TransportProvider {

    /** Found by ServiceLoader. */
    public WebSocketTransportProvider() {
    }

    @Override
    public String type() {
        return "websocket";
    }

    @Override
    public List<Setting> settings() {
        return WebSocketSettings.SETTINGS;
    }

    @Override
    public Transport create(NodeContext context) {
        return new WebSocketTransport(WebSocketSettings.from(context.config()));
    }
}
