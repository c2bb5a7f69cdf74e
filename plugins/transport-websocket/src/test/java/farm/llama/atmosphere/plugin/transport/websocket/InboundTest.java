package farm.llama.atmosphere.plugin.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.AtmosphereException;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The mesh port's caps and counters, and the settings that set them. */
class InboundTest {

    private static InetAddress address(String a) throws Exception {
        return InetAddress.getByName(a);
    }

    @Test
    void strangersFromOneAddressAreCappedMembersOnlyByTheTotal() throws Exception {
        Inbound in = new Inbound(4, 2);
        Inbound.Slot a1 = in.admit(address("10.0.0.1")).orElseThrow();
        Inbound.Slot a2 = in.admit(address("10.0.0.1")).orElseThrow();
        assertTrue(in.admit(address("10.0.0.1")).isEmpty(), "a third stranger from the same address");
        a1.authenticated(); // a member: no longer counted against its address
        Inbound.Slot a3 = in.admit(address("10.0.0.1")).orElseThrow();
        Inbound.Slot b1 = in.admit(address("10.0.0.2")).orElseThrow();
        assertTrue(in.admit(address("10.0.0.3")).isEmpty(), "over the total");
        assertEquals(2L, in.counters().get("busy"));
        assertEquals(4L, in.counters().get("connections"));
        assertEquals(3L, in.counters().get("unauthenticated"));
        a2.release();
        a2.release(); // once only
        assertEquals(3L, in.counters().get("connections"));
        assertTrue(in.admit(address("10.0.0.3")).isPresent(), "room once one went");
        a3.release();
        b1.release();
    }

    @Test
    void bytesHeldByStrangersAreCountedWithTheirPeakAndFreedWhenTheyGo() throws Exception {
        Inbound in = new Inbound(10, 10);
        Inbound.Slot s = in.admit(address("10.0.0.1")).orElseThrow();
        Inbound.Slot t = in.admit(address("10.0.0.2")).orElseThrow();
        s.hold(1000);
        t.hold(500);
        s.hold(-1000);
        assertEquals(500L, in.counters().get("unauthenticated_bytes"));
        assertEquals(1500L, in.counters().get("unauthenticated_bytes_peak"));
        t.release();
        assertEquals(0L, in.counters().get("unauthenticated_bytes"));
        Inbound.Slot member = in.outbound();
        member.hold(1 << 20);
        assertEquals(0L, in.counters().get("unauthenticated_bytes"), "a member's messages are not a stranger's");
        s.release();
    }

    @Test
    void settingsNameTheKeyThatIsWrong() {
        WebSocketSettings d = WebSocketSettings.defaults();
        AtmosphereException e = assertThrows(AtmosphereException.class, () -> d.withTimeouts(Duration.ZERO, d.frameTimeout(), d.idleTimeout()));
        assertTrue(e.getMessage().contains("transport.websocket.handshake-timeout"), e.getMessage());
        e = assertThrows(AtmosphereException.class, () -> d.withCaps(0, 1));
        assertTrue(e.getMessage().contains("transport.websocket.max-connections"), e.getMessage());
        e = assertThrows(AtmosphereException.class, () -> new WebSocketSettings(1024, 2048, d.handshakeTimeout(), d.frameTimeout(),
                d.idleTimeout(), 1, 1));
        assertTrue(e.getMessage().contains("max-frame-unauthenticated"), e.getMessage());
    }
}
