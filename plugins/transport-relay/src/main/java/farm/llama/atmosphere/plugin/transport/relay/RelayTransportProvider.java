package farm.llama.atmosphere.plugin.transport.relay;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportProvider;
import java.time.Duration;

/**
 * The relay transport. The relays come from {@code mesh.relays} and the node's invite; config
 * ({@code transport.relay}): {@code reconnect-min} (default 250ms) and {@code reconnect-max}
 * (default 30s) bound the backoff between reconnection attempts, {@code ping-interval} (default
 * 15s) keeps the connection alive and measures its round trip, {@code connect-timeout} (default 10s).
 * Events: {@code relay.admitted} (url, members there), {@code relay.lost} (url, why),
 * {@code relay.refused} (url, reason).
 */
public final class RelayTransportProvider implements TransportProvider {

    /** Found by ServiceLoader. */
    public RelayTransportProvider() {
    }

    @Override
    public String type() {
        return RelayTransport.TYPE;
    }

    @Override
    public Transport create(NodeContext context) {
        var c = context.config();
        Duration min = c.duration("reconnect-min").orElse(Duration.ofMillis(250));
        Duration max = c.duration("reconnect-max").orElse(Duration.ofSeconds(30));
        if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("transport.relay.reconnect-min must be positive and at most reconnect-max");
        }
        return new RelayTransport(new RelayTransport.Timers(min, max, c.duration("ping-interval").orElse(Duration.ofSeconds(15)),
                c.duration("connect-timeout").orElse(Duration.ofSeconds(10))), context::publishEvent);
    }
}
