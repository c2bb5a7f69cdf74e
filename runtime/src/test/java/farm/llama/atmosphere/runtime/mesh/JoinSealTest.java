package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Join tickets and the sealing of join traffic through a relay, on their own. */
class JoinSealTest {

    @TempDir
    Path dir;

    private record Founder(Identity identity, MeshStore store) {
    }

    private Founder founder(String name) {
        DataDir data = new DataDir(dir.resolve(name));
        NodeSetup.init(data, Optional.of(name), false);
        MeshStore store = new MeshStore(data);
        store.create("home-" + name);
        return new Founder(Identity.load(data.identityFile()), store);
    }

    @Test
    void onlyTheIssuerOpensAJoinAndOnlyTheJoinerOpensItsAnswers() {
        Founder f = founder("a");
        Identity stranger = Identity.generate("stranger");
        ObjectNode request = Json.MAPPER.createObjectNode().put("type", "join").put("token", "the-secret-token");
        JoinSeal.Sealed sealed = JoinSeal.seal(request, f.identity().publicKey(), f.identity().nodeId());
        assertFalse(sealed.message().toString().contains("the-secret-token"), sealed.message().toString());

        JoinSeal.Opened opened = JoinSeal.open(sealed.message(), f.identity());
        assertEquals(request, opened.inner());
        assertEquals(MeshSecurityException.Reason.MALFORMED, assertThrows(MeshSecurityException.class,
                () -> JoinSeal.open(sealed.message(), stranger)).reason(), "another node's key does not open it");
        ObjectNode altered = sealed.message().deepCopy();
        byte[] data = Base64.getDecoder().decode(altered.path("data").asText());
        data[3] ^= 1;
        altered.put("data", Base64.getEncoder().encodeToString(data));
        assertThrows(MeshSecurityException.class, () -> JoinSeal.open(altered, f.identity()), "an altered byte does not open");

        ObjectNode answer = Json.MAPPER.createObjectNode().put("status", "granted");
        ObjectNode reply = JoinSeal.reply(opened.replyKey(), answer);
        assertEquals(answer, JoinSeal.openReply(sealed.replyKey(), reply));
        assertEquals(MeshSecurityException.Reason.FORGED, assertThrows(MeshSecurityException.class,
                () -> JoinSeal.openReply(new byte[32], reply)).reason(), "an answer under another key is not the issuer's");
    }

    @Test
    void aTicketHoldsWithItsOwnChainOrTheChainItsIssuerProvedAndNotOtherwise() throws Exception {
        Founder f = founder("a");
        Founder g = founder("b");
        Instant now = Instant.now();
        Instant later = Instant.ofEpochSecond(now.plus(Duration.ofMinutes(5)).getEpochSecond());
        ObjectNode full = JoinTickets.create(f.identity(), f.store(), later, true);
        JoinTickets.Ticket t = JoinTickets.verify(full, List.of(), Set.of(), now);
        assertEquals(f.identity().nodeId(), t.issuer());
        assertEquals(f.store().info().orElseThrow().meshId(), t.meshId());
        assertEquals(later, t.expiresAt());

        ObjectNode compact = JoinTickets.create(f.identity(), f.store(), later, false);
        assertTrue(compact.toString().length() < 400, "room in an mDNS record: " + compact.toString().length());
        assertEquals(MeshSecurityException.Reason.NOT_AUTHORIZED, assertThrows(MeshSecurityException.class,
                () -> JoinTickets.verify(compact, List.of(), Set.of(), now)).reason(), "no chain to check it against");
        List<X509Certificate> proved = List.of(f.store().member(), f.store().root());
        assertEquals(t.issuer(), JoinTickets.verify(compact, proved, Set.of(), now).issuer());
        List<X509Certificate> otherMesh = List.of(g.store().member(), g.store().root());
        assertEquals(MeshSecurityException.Reason.WRONG_MESH, assertThrows(MeshSecurityException.class,
                () -> JoinTickets.verify(compact, otherMesh, Set.of(), now)).reason());
        assertEquals(MeshSecurityException.Reason.REVOKED, assertThrows(MeshSecurityException.class,
                () -> JoinTickets.verify(full, List.of(), Set.of(t.issuer()), now)).reason());
        assertEquals(MeshSecurityException.Reason.EXPIRED, assertThrows(MeshSecurityException.class,
                () -> JoinTickets.verify(full, List.of(), Set.of(), later)).reason());
        ObjectNode renamed = full.deepCopy().put("issuer", g.identity().nodeId());
        assertEquals(MeshSecurityException.Reason.FORGED, assertThrows(MeshSecurityException.class,
                () -> JoinTickets.verify(renamed, List.of(), Set.of(), now)).reason(), "the key is not the named issuer's");
        // what a joiner on the LAN can check alone: the key, the signature, the expiry
        assertNotNull(JoinTickets.read(compact, now));
        JsonNode longer = compact.deepCopy().put("expiresAt", later.getEpochSecond() + 1);
        assertEquals(MeshSecurityException.Reason.FORGED, assertThrows(MeshSecurityException.class,
                () -> JoinTickets.read(longer, now)).reason());
    }
}
