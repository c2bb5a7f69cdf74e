package farm.llama.atmosphere.plugin.transport.relay;

import farm.llama.atmosphere.spi.ConfigView;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Setting;
import farm.llama.atmosphere.spi.Setting.Kind;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The relay transport. The relays come from {@code mesh.relays} and the node's invite; config
 * ({@code transport.relay}): {@code reconnect-min} (default 250ms) and {@code reconnect-max}
 * (default 30s) bound the backoff between reconnection attempts, {@code ping-interval} (default
 * 15s) keeps the connection alive and measures its round trip, {@code connect-timeout} (default 10s).
 * {@code trust}: a PEM file of certificates that {@code wss://} relays are checked against instead of
 * the system trust store (a self-hosted relay's own certificate). Events: {@code relay.admitted} (url, members there), {@code relay.lost} (url, why),
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
    public List<Setting> settings() {
        return List.of(
                new Setting("reconnect-min", Kind.DURATION, "250ms", "the first pause before reconnecting to a relay; it doubles up to reconnect-max"),
                new Setting("reconnect-max", Kind.DURATION, "30s", "the longest pause before reconnecting to a relay"),
                new Setting("ping-interval", Kind.DURATION, "15s", "keep-alive and round-trip measurement"),
                new Setting("connect-timeout", Kind.DURATION, "10s", "time to open a connection to a relay"),
                new Setting("trust", Kind.PATH, "", "PEM certificates wss:// relays are checked against instead of the system trust store"));
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
                c.duration("connect-timeout").orElse(Duration.ofSeconds(10))),
                c.string("trust").map(RelayTransportProvider::pinned), context::publishEvent);
    }

    /**
     * @param file PEM certificates (a self-hosted relay's own, or the CA that signed it)
     * @return a TLS context that trusts exactly those for {@code wss://} relays
     */
    static SSLContext pinned(String file) {
        Path path = ConfigView.expandHome(file);
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("relay-" + i++, cert);
            }
            if (i == 0) {
                throw new IllegalArgumentException("no certificate in it");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(
                    TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("transport.relay.trust: cannot use " + path + " (" + e.getMessage()
                    + "). It must be a PEM file with the relay's certificate or the CA that signed it.", e);
        }
    }
}
