package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.identity.Identity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InvitesTest {

    @TempDir
    Path dir;

    private record Founder(Identity identity, MeshStore store, Invites invites) {
    }

    private Founder founder(String name) {
        DataDir data = new DataDir(dir.resolve(name));
        NodeSetup.init(data, Optional.of(name), false);
        MeshStore store = new MeshStore(data);
        store.create("home-" + name);
        return new Founder(Identity.load(data.identityFile()), store, new Invites(store.dir()));
    }

    @Test
    void aTokenPinsTheMeshAndIsRedeemedAsOftenAsAllowed() {
        Founder f = founder("a");
        Invites.Invite invite = f.invites().create(f.identity(), f.store(), Duration.ofHours(1), 2, List.of("wss://10.0.0.5:11452"),
                List.of("wss://relay.example.net"));
        assertTrue(invite.code().matches("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"), invite.code());
        // the issuer finds the invite by the code's lookup value, and its answer proves the code
        Invites.ByCode byCode = f.invites().byLookup(ShortCodes.lookup(invite.code()), Instant.now()).orElseThrow();
        assertEquals(invite.token(), byCode.token());
        var sealed = ShortCodes.seal(byCode.code(), "a".repeat(32), "b".repeat(32), byCode.token());
        assertFalse(sealed.toString().contains(invite.token()), "the token does not travel in the clear");
        assertEquals(java.util.Optional.of(invite.token()),
                ShortCodes.open(invite.code(), "a".repeat(32), "b".repeat(32), sealed.get("iv"), sealed.get("ciphertext")));
        assertTrue(ShortCodes.open(ShortCodes.generate(), "a".repeat(32), "b".repeat(32), sealed.get("iv"), sealed.get("ciphertext")).isEmpty(),
                "another code cannot open it");
        assertTrue(ShortCodes.open(invite.code(), "c".repeat(32), "b".repeat(32), sealed.get("iv"), sealed.get("ciphertext")).isEmpty(),
                "nor other nonces");
        assertTrue(f.invites().byLookup(ShortCodes.lookup(ShortCodes.generate()), Instant.now()).isEmpty());
        assertEquals(MeshSecurityException.Reason.EXPIRED, assertThrows(MeshSecurityException.class,
                () -> f.invites().byLookup(ShortCodes.lookup(invite.code()), Instant.now().plus(Duration.ofHours(2)))).reason());
        // typed by a person: lower case, O for 0, I or L for 1, spaces
        assertEquals(invite.code(), ShortCodes.parse(" " + invite.code().toLowerCase().replace('0', 'o').replace('1', 'l') + " ").orElseThrow());
        assertTrue(ShortCodes.parse("K7Q-M2X-9PL").isEmpty(), "too short");
        assertTrue(ShortCodes.parse("UUUU-UUUU-UUUU").isEmpty(), "U is not in the alphabet");
        assertTrue(invite.link().startsWith("atmosphere://join/"));
        Invites.Token t = Invites.verify(invite.link(), Instant.now());
        assertEquals(f.store().info().orElseThrow().meshId(), t.meshId());
        assertEquals(f.identity().nodeId(), t.issuer());
        assertEquals(List.of("wss://10.0.0.5:11452"), t.endpoints());
        assertEquals(List.of("wss://relay.example.net"), t.relays(), "the joiner learns the mesh's relays");
        f.invites().redeem(t.id(), Instant.now());
        f.invites().redeem(t.id(), Instant.now());
        assertEquals(MeshSecurityException.Reason.REPLAYED, assertThrows(MeshSecurityException.class,
                () -> f.invites().redeem(t.id(), Instant.now())).reason(), "used more times than allowed");
    }

    @Test
    void aNodeThatListensNowhereInvitesThroughItsRelayWithATicketAndOtherVersionsAreRefused() {
        Founder f = founder("r");
        String relayEndpoint = "relay:" + f.identity().nodeId();
        Invites.Invite invite = f.invites().create(f.identity(), f.store(), Duration.ofHours(1), 1, List.of(relayEndpoint),
                List.of("ws://relay.example.net:8765"));
        Invites.Token t = Invites.verify(invite.token(), Instant.now());
        assertEquals(List.of(relayEndpoint), t.endpoints());
        assertTrue(t.ticket() != null && t.ticket().path("chain").size() == 2, "a ticket the relay can check alone: " + t.ticket());
        assertEquals(t.expiresAt().getEpochSecond(), t.ticket().path("expiresAt").asLong(), "the ticket lasts as long as the invite");
        assertFalse(t.ticket().toString().contains(t.id()), "the ticket does not name the invite");
        assertEquals(f.identity().nodeId(), JoinTickets.verify(t.ticket(), List.of(), java.util.Set.of(), Instant.now()).issuer());

        // a token of another invite format, properly signed: refused, both versions named
        String payload = new String(Base64.getUrlDecoder().decode(invite.token().substring(0, invite.token().indexOf('.'))),
                StandardCharsets.UTF_8).replace("\"v\":" + Invites.VERSION, "\"v\":1");
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String older = b64.encodeToString(bytes) + "." + b64.encodeToString(f.identity().sign(bytes));
        MeshSecurityException e = assertThrows(MeshSecurityException.class, () -> Invites.verify(older, Instant.now()));
        assertEquals(MeshSecurityException.Reason.VERSION, e.reason());
        assertTrue(e.getMessage().contains("version 1") && e.getMessage().contains("invite version " + Invites.VERSION), e.getMessage());
    }

    @Test
    void expiredTamperedForgedAndUnknownInvitesAreRefused() {
        Founder f = founder("b");
        Invites.Invite invite = f.invites().create(f.identity(), f.store(), Duration.ofMinutes(5), 1, List.of(), List.of());
        assertEquals(MeshSecurityException.Reason.EXPIRED, assertThrows(MeshSecurityException.class,
                () -> Invites.verify(invite.token(), Instant.now().plus(Duration.ofMinutes(6)))).reason());

        String[] parts = invite.token().split("\\.");
        String json = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        String longer = json.replaceFirst("\"expiresAt\":\\d+", "\"expiresAt\":" + (Instant.now().getEpochSecond() + 999_999));
        String tampered = Base64.getUrlEncoder().withoutPadding().encodeToString(longer.getBytes(StandardCharsets.UTF_8)) + "." + parts[1];
        assertEquals(MeshSecurityException.Reason.FORGED, assertThrows(MeshSecurityException.class,
                () -> Invites.verify(tampered, Instant.now())).reason(), "extending the expiry breaks the signature");

        // a token of another mesh with this mesh's id written in: the pinned key does not hash to it
        Founder g = founder("c");
        Invites.Invite other = g.invites().create(g.identity(), g.store(), Duration.ofHours(1), 1, List.of(), List.of());
        String[] op = other.token().split("\\.");
        String ojson = new String(Base64.getUrlDecoder().decode(op[0]), StandardCharsets.UTF_8)
                .replace(g.store().info().orElseThrow().meshId(), f.store().info().orElseThrow().meshId());
        String squat = Base64.getUrlEncoder().withoutPadding().encodeToString(ojson.getBytes(StandardCharsets.UTF_8)) + "." + op[1];
        assertEquals(MeshSecurityException.Reason.FORGED, assertThrows(MeshSecurityException.class,
                () -> Invites.verify(squat, Instant.now())).reason());

        assertEquals(MeshSecurityException.Reason.MALFORMED, assertThrows(MeshSecurityException.class,
                () -> Invites.verify("not-a-token", Instant.now())).reason());
        assertEquals(MeshSecurityException.Reason.FORGED, assertThrows(MeshSecurityException.class,
                () -> f.invites().redeem("0000000000000000", Instant.now())).reason(), "an invite this node never issued");
        assertEquals(MeshSecurityException.Reason.EXPIRED, assertThrows(MeshSecurityException.class,
                () -> f.invites().redeem(invite.id(), Instant.now().plus(Duration.ofHours(1)))).reason());
    }
}
