package farm.llama.atmosphere.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.identity.ApiKeys;
import farm.llama.atmosphere.runtime.util.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Login codes and dashboard sessions: once, in time, bounded, and never more than they were given. */
class UiSessionsTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-05T10:00:00Z"));
    private final UiSessions sessions = new UiSessions(clock, Duration.ofSeconds(60), Duration.ofHours(12));

    @Test
    void aCodeOpensOneAdminSessionAndOnlyBeforeItExpires() {
        String code = sessions.newCode();
        UiSessions.Opened opened = sessions.redeem(code).orElseThrow();
        assertTrue(opened.grant().admin());
        assertEquals(Optional.empty(), sessions.redeem(code), "spent");

        String late = sessions.newCode();
        clock.now = clock.now.plusSeconds(60);
        assertEquals(Optional.empty(), sessions.redeem(late), "expired at its ttl");
        assertEquals(Optional.empty(), sessions.redeem("made-up"));
    }

    @Test
    void aSessionLastsItsTtlAndEndsWhenSignedOut() {
        String cookie = sessions.redeem(sessions.newCode()).orElseThrow().cookie();
        clock.now = clock.now.plus(Duration.ofHours(12)).minusSeconds(1);
        assertTrue(sessions.check(cookie).isPresent());
        clock.now = clock.now.plusSeconds(1);
        assertFalse(sessions.check(cookie).isPresent(), "expired");

        String other = sessions.openForKey(ApiKeys.Scope.OPENAI).cookie();
        UiSessions.Grant g = sessions.check(other).orElseThrow();
        assertFalse(g.admin());
        assertEquals("openai", g.scopeName());
        assertTrue(sessions.end(other));
        assertFalse(sessions.check(other).isPresent());
        assertFalse(sessions.end(other));
    }

    @Test
    void codesAndSessionsAreBoundedOldestFirst() {
        List<String> codes = new ArrayList<>();
        for (int i = 0; i < UiSessions.MAX_CODES + 1; i++) {
            codes.add(sessions.newCode());
        }
        assertEquals(Optional.empty(), sessions.redeem(codes.get(0)), "the oldest code made way");
        assertTrue(sessions.redeem(codes.get(codes.size() - 1)).isPresent());

        List<String> cookies = new ArrayList<>();
        for (int i = 0; i < UiSessions.MAX_SESSIONS + 1; i++) {
            cookies.add(sessions.openForKey(ApiKeys.Scope.ALL).cookie());
        }
        assertFalse(sessions.check(cookies.get(0)).isPresent(), "the oldest session made way");
        assertTrue(sessions.check(cookies.get(cookies.size() - 1)).isPresent());
    }

    @Test
    void theCookieIsFoundAmongOthers() {
        assertEquals(Optional.of("abc"), UiSessions.cookieOf("theme=dark; atmosphere_session=abc; x=y"));
        assertEquals(Optional.empty(), UiSessions.cookieOf("atmosphere_session="));
        assertEquals(Optional.empty(), UiSessions.cookieOf("other_atmosphere_session=abc"));
    }

    @Test
    void onlyPlainFilePathsWithAKnownTypeAreValid() {
        assertTrue(UiRoutes.valid("app.js"));
        assertTrue(UiRoutes.valid("vendor/preact.js"));
        for (String bad : new String[] {"../pom.xml", "vendor/../app.js", ".env.js", "a//b.js", "VERSIONS", "app.js.map", "x/.git/config.txt",
                "a\\b.js", "%2e%2e/x.js"}) {
            assertFalse(UiRoutes.valid(bad), bad);
        }
    }
}
