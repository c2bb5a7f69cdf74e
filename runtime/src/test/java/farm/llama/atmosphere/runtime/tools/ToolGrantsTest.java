package farm.llama.atmosphere.runtime.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who holds a permission when a call passes through members: every party, never more than the least of them. */
class ToolGrantsTest {

    private static final String SELF = "00000000000000aa";
    private static final String LAPTOP = "00000000000000bb";
    private static final String GUEST = "00000000000000cc";

    private final ToolGrants grants = ToolGrants.of(Map.of(
            LAPTOP, List.of("*"),
            GUEST, List.of("agents:invoke"),
            "trigger", List.of("notify:send"),
            "mesh", List.of("time:read")));

    private boolean holds(Caller c, String permission) {
        return grants.missing(c, List.of(permission)).isEmpty();
    }

    @Test
    void aCallHoldsOnlyWhatEveryPartyHolds() {
        assertTrue(holds(Caller.LOCAL, "storage:write"), "the owner holds everything by default");
        assertTrue(holds(Caller.TRIGGER, "notify:send"));
        assertTrue(!holds(Caller.TRIGGER, "storage:write"), "a trigger holds only tools.grants.trigger");
        assertTrue(holds(Caller.member(LAPTOP), "storage:write"));
        assertTrue(holds(Caller.member(GUEST), "time:read"), "members hold the mesh entry too");
        assertTrue(!holds(Caller.member(GUEST), "storage:write"));

        // the laptop relays for the guest: it lends nothing
        Caller relayed = Caller.received(LAPTOP, GUEST, "local", SELF);
        assertTrue(!holds(relayed, "storage:write"));
        assertEquals(Optional.of(GUEST), grants.missing(relayed, List.of("storage:write")).map(ToolGrants.Missing::entry));
        // the guest claims to relay for the laptop: it gains nothing
        assertTrue(!holds(Caller.received(GUEST, LAPTOP, "local", SELF), "storage:write"));
        // the laptop's trigger: the laptop's grants and this node's trigger grants
        Caller trigger = Caller.received(LAPTOP, "", "trigger", SELF);
        assertTrue(holds(trigger, "notify:send"));
        assertTrue(!holds(trigger, "storage:write"));
        assertEquals(Optional.of("trigger"), grants.missing(trigger, List.of("storage:write")).map(ToolGrants.Missing::entry));
        // a call that began here comes back through a member: this node's own caller, and the member
        Caller back = Caller.received(GUEST, SELF, "local", SELF);
        assertEquals("", back.origin());
        assertTrue(holds(back, "agents:invoke") && !holds(back, "storage:write"));
    }

    @Test
    void aMalformedClaimIsRefused() {
        assertThrows(CallFailedException.class, () -> Caller.received(LAPTOP, "not-a-node", "local", SELF));
        assertThrows(CallFailedException.class, () -> Caller.received(LAPTOP, GUEST, "root", SELF));
    }
}
