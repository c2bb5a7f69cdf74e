package farm.llama.atmosphere.plugin.transport.websocket;

import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.ConfigView;
import farm.llama.atmosphere.spi.Setting;
import farm.llama.atmosphere.spi.Setting.Kind;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What bounds the WebSocket transport ({@code transport.websocket} in {@code config.yaml}). A peer
 * that has not presented a membership certificate (a joiner, or a stranger) gets the small frame
 * limit and counts against the per-address cap; a member gets the full limit.
 *
 * @param maxFrame largest message from a member, bytes ({@code max-frame}, 16 MiB)
 * @param maxFrameUnauthenticated largest message from a peer without a membership certificate,
 *                                bytes ({@code max-frame-unauthenticated}, 64 KiB: a join fits)
 * @param handshakeTimeout TLS and HTTP upgrade together must finish within this ({@code handshake-timeout}, 10 s)
 * @param frameTimeout a message must arrive whole within this of its first byte ({@code frame-timeout}, 30 s)
 * @param idleTimeout a link that receives nothing for this long is closed ({@code idle-timeout}, 2 min);
 *                    each side pings after a third of it without sending
 * @param maxConnections inbound connections at once, in handshake or linked ({@code max-connections}, 512)
 * @param maxUnauthenticatedPerAddress inbound connections from one address that have not presented a
 *                                     membership certificate ({@code max-unauthenticated-per-address}, 8)
 */
record WebSocketSettings(int maxFrame, int maxFrameUnauthenticated, Duration handshakeTimeout, Duration frameTimeout,
                         Duration idleTimeout, int maxConnections, int maxUnauthenticatedPerAddress) {

    static final int DEFAULT_MAX_FRAME = 16 * 1024 * 1024;
    static final int DEFAULT_MAX_FRAME_UNAUTHENTICATED = 64 * 1024;

    /** The keys of {@code transport.websocket}, with the defaults {@link #defaults()} holds. */
    static final List<Setting> SETTINGS = List.of(
            new Setting("max-frame", Kind.NUMBER, String.valueOf(DEFAULT_MAX_FRAME), "largest message accepted from a member, in bytes"),
            new Setting("max-frame-unauthenticated", Kind.NUMBER, String.valueOf(DEFAULT_MAX_FRAME_UNAUTHENTICATED),
                    "largest message from a peer that presented no membership certificate"),
            new Setting("handshake-timeout", Kind.DURATION, "10s", "TLS and the HTTP upgrade together must finish within this"),
            new Setting("frame-timeout", Kind.DURATION, "30s", "a message must arrive whole within this of its first byte"),
            new Setting("idle-timeout", Kind.DURATION, "2m", "a link that hears nothing for this long is closed"),
            new Setting("max-connections", Kind.NUMBER, "512", "inbound connections at once"),
            new Setting("max-unauthenticated-per-address", Kind.NUMBER, "8",
                    "inbound connections from one address that have not presented a membership certificate"));

    /** Validates, naming the key that is wrong. */
    WebSocketSettings {
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(frameTimeout, "frameTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        positive("max-frame", maxFrame);
        positive("max-frame-unauthenticated", maxFrameUnauthenticated);
        positive("max-connections", maxConnections);
        positive("max-unauthenticated-per-address", maxUnauthenticatedPerAddress);
        positive("handshake-timeout", handshakeTimeout);
        positive("frame-timeout", frameTimeout);
        positive("idle-timeout", idleTimeout);
        if (maxFrameUnauthenticated > maxFrame) {
            throw new AtmosphereException("transport.websocket.max-frame-unauthenticated (" + maxFrameUnauthenticated
                    + ") must not be larger than transport.websocket.max-frame (" + maxFrame + ")");
        }
    }

    /** @return the defaults */
    static WebSocketSettings defaults() {
        return new WebSocketSettings(DEFAULT_MAX_FRAME, DEFAULT_MAX_FRAME_UNAUTHENTICATED, Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofMinutes(2), 512, 8);
    }

    /**
     * @param config the {@code transport.websocket} subtree
     * @return the settings it names, defaults for the rest
     */
    static WebSocketSettings from(ConfigView config) {
        WebSocketSettings d = defaults();
        return new WebSocketSettings(
                count(config, "max-frame", d.maxFrame()),
                count(config, "max-frame-unauthenticated", d.maxFrameUnauthenticated()),
                config.duration("handshake-timeout").orElse(d.handshakeTimeout()),
                config.duration("frame-timeout").orElse(d.frameTimeout()),
                config.duration("idle-timeout").orElse(d.idleTimeout()),
                count(config, "max-connections", d.maxConnections()),
                count(config, "max-unauthenticated-per-address", d.maxUnauthenticatedPerAddress()));
    }

    /** @param maxFrame largest member message @return these settings with it */
    WebSocketSettings withMaxFrame(int maxFrame) {
        return new WebSocketSettings(maxFrame, Math.min(maxFrame, maxFrameUnauthenticated), handshakeTimeout, frameTimeout, idleTimeout,
                maxConnections, maxUnauthenticatedPerAddress);
    }

    /** @param handshake handshake deadline @param frame frame deadline @param idle idle limit @return these settings with them */
    WebSocketSettings withTimeouts(Duration handshake, Duration frame, Duration idle) {
        return new WebSocketSettings(maxFrame, maxFrameUnauthenticated, handshake, frame, idle, maxConnections, maxUnauthenticatedPerAddress);
    }

    /** @param total inbound connections @param perAddress unauthenticated per address @return these settings with those caps */
    WebSocketSettings withCaps(int total, int perAddress) {
        return new WebSocketSettings(maxFrame, maxFrameUnauthenticated, handshakeTimeout, frameTimeout, idleTimeout, total, perAddress);
    }

    private static int count(ConfigView config, String key, int fallback) {
        long v = config.number(key).orElse((long) fallback);
        if (v < 1 || v > Integer.MAX_VALUE - 16) {
            throw new AtmosphereException("transport.websocket." + key + " must be between 1 and " + (Integer.MAX_VALUE - 16)
                    + "; got " + v);
        }
        return (int) v;
    }

    private static void positive(String key, long v) {
        if (v < 1) {
            throw new AtmosphereException("transport.websocket." + key + " must be at least 1; got " + v);
        }
    }

    private static void positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new AtmosphereException("transport.websocket." + key + " must be a positive duration (e.g. PT10S); got " + d);
        }
    }
}
