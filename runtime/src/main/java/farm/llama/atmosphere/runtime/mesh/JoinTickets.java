package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Join tickets: what a joiner shows a relay to reach the member that invited it. A ticket is a
 * public statement — mesh id, issuer node id and key, ticket id, expiry; no secret — signed with
 * the issuer's node key. An invite's ticket also carries the issuer's certificate and the mesh
 * root, so a relay that keeps no state can check it: the root hashes to the mesh id and signs
 * itself, the issuer's certificate chains to it and names the issuer, nobody revoked, the
 * signature holds, not expired. A ticket advertised on the LAN (mDNS has room for ~1.4 KB) leaves
 * the certificates out: the relay then checks it against the chain the issuer proved when it was
 * admitted there itself — an issuer that is not connected could not be reached anyway. A ticket
 * admits its holder for join traffic to its issuer only; whether a join is accepted stays the
 * issuer's decision (the invite, sealed to the issuer, travels inside that traffic).
 */
public final class JoinTickets {

    /** Ticket format version. */
    public static final int VERSION = 1;
    /** What the issuer signs: this context, then the mesh id, issuer, its key, ticket id and expiry. */
    private static final String CONTEXT = "atmosphere-join-ticket-v1|";
    /** A ticket lives at most as long as an invite can, and a little more for clocks that differ. */
    static final Duration LONGEST = Duration.ofDays(7).plus(Joins.SKEW);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A ticket that holds.
     *
     * @param id the ticket id
     * @param meshId the mesh
     * @param issuer the issuing member, the only one its holder may reach
     * @param expiresAt when it expires
     * @param issuerKey the issuer's Ed25519 key (joins are sealed to its X25519 image)
     */
    public record Ticket(String id, String meshId, String issuer, Instant expiresAt, PublicKey issuerKey) {
    }

    private JoinTickets() {
    }

    /**
     * @param identity the issuing node
     * @param store its mesh (founder or admin: its admin certificate is shown)
     * @param expiresAt when the ticket expires (whole seconds)
     * @param withChain whether it carries the issuer's certificate and the mesh root (an invite's
     *                  does; one for mDNS does not, for room)
     * @return the ticket, a JSON object
     */
    public static ObjectNode create(Identity identity, MeshStore store, Instant expiresAt, boolean withChain) {
        MeshStore.MeshInfo info = store.info().orElseThrow(() -> new IllegalStateException("not in a mesh"));
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        String key = Base64.getEncoder().encodeToString(Identity.rawPublicKey(identity.publicKey()));
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("v", VERSION);
        t.put("mesh", info.meshId());
        t.put("issuer", identity.nodeId());
        t.put("key", key);
        t.put("id", id);
        t.put("expiresAt", expiresAt.getEpochSecond());
        if (withChain) {
            try {
                t.putArray("chain")
                        .add(Base64.getEncoder().encodeToString(store.adminCertificate().orElse(store.member()).getEncoded()))
                        .add(Base64.getEncoder().encodeToString(store.root().getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        t.put("sig", Base64.getEncoder().encodeToString(identity.sign(statement(info.meshId(), identity.nodeId(), key, id,
                expiresAt.getEpochSecond()))));
        return t;
    }

    /**
     * A ticket put together from what an invite carries anyway — mesh, issuer, the issuer's
     * certificate, expiry, the mesh root — and the two things only the ticket has: its id and the
     * issuer's signature. (An invite carries just those, so its link still fits a QR code.)
     *
     * @param meshId the mesh
     * @param issuer the issuer's node id
     * @param issuerCertificate the issuer's certificate
     * @param root the mesh root
     * @param id the ticket id
     * @param expiresAt its expiry, epoch seconds
     * @param sig the issuer's signature, base64
     * @return the ticket, as {@link #create} with its chain makes it (unchecked)
     */
    public static ObjectNode assemble(String meshId, String issuer, X509Certificate issuerCertificate, X509Certificate root, String id,
                                      long expiresAt, String sig) {
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("v", VERSION);
        t.put("mesh", meshId);
        t.put("issuer", issuer);
        t.put("key", Base64.getEncoder().encodeToString(Identity.rawPublicKey(issuerCertificate.getPublicKey())));
        t.put("id", id);
        t.put("expiresAt", expiresAt);
        try {
            t.putArray("chain").add(Base64.getEncoder().encodeToString(issuerCertificate.getEncoded()))
                    .add(Base64.getEncoder().encodeToString(root.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "an unreadable certificate");
        }
        t.put("sig", sig);
        return t;
    }

    /**
     * Checks a ticket as a relay does: against the certificates it carries, else against the chain
     * its issuer proved to the relay.
     *
     * @param ticket the ticket
     * @param issuerChain the chain the issuer was admitted with (leaf first, root last), or empty when it is not connected
     * @param revoked the node ids known revoked in its mesh
     * @param now the time
     * @return what it says
     * @throws MeshSecurityException MALFORMED, WRONG_MESH (the root is another mesh's), FORGED (a
     *         certificate, the key or the signature does not hold), REVOKED, EXPIRED,
     *         NOT_AUTHORIZED (no certificate, and the issuer is not connected)
     */
    public static Ticket verify(JsonNode ticket, List<X509Certificate> issuerChain, Set<String> revoked, Instant now) {
        Ticket t = fields(ticket); // the mesh first: a ticket of another mesh is named so, whatever else is wrong with it
        List<X509Certificate> chain = new ArrayList<>();
        JsonNode carried = ticket.path("chain");
        if (carried.isArray() && !carried.isEmpty()) {
            if (carried.size() != 2) {
                throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a ticket's chain is [issuer, root]");
            }
            carried.forEach(c -> chain.add(certificate(c.asText())));
        } else {
            chain.addAll(issuerChain);
        }
        if (chain.size() < 2) {
            throw new MeshSecurityException(MeshSecurityException.Reason.NOT_AUTHORIZED,
                    "the ticket carries no certificate and its issuer " + t.issuer() + " is not connected here");
        }
        X509Certificate root = chain.remove(chain.size() - 1);
        if (!MeshCertificates.meshId(root.getPublicKey()).equals(t.meshId())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.WRONG_MESH,
                    "the ticket's root is mesh " + MeshCertificates.meshId(root.getPublicKey()) + ", not " + t.meshId());
        }
        try {
            root.verify(root.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the ticket's mesh root is not self-signed");
        }
        String verified = MeshCertificates.verify(chain, root, revoked, now);
        if (!verified.equals(t.issuer())
                || !java.util.Arrays.equals(Identity.rawPublicKey(chain.get(0).getPublicKey()), Identity.rawPublicKey(t.issuerKey()))) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the ticket's certificate is " + verified
                    + "'s, not its issuer's");
        }
        return signed(ticket, t, now);
    }

    /**
     * Reads a ticket and checks what it says of itself — its issuer's key hashes to the issuer's
     * node id, that key signed it, it has not expired — but not that the issuer belongs to the
     * mesh: a joiner on the LAN seals a short-code lookup to that key, and the code exchange proves
     * the rest.
     *
     * @param ticket the ticket
     * @param now the time
     * @return what it says
     * @throws MeshSecurityException MALFORMED, FORGED, EXPIRED
     */
    public static Ticket read(JsonNode ticket, Instant now) {
        return signed(ticket, fields(ticket), now);
    }

    /** @return what a ticket says, its key checked against the issuer's node id but nothing signed checked yet */
    private static Ticket fields(JsonNode ticket) {
        if (ticket == null || !ticket.isObject()) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "no join ticket");
        }
        if (ticket.path("v").asInt() != VERSION) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "join ticket version " + ticket.path("v")
                    + " is not readable here (this node reads version " + VERSION + ")");
        }
        String meshId = ticket.path("mesh").asText();
        String issuer = ticket.path("issuer").asText();
        String key = ticket.path("key").asText();
        String id = ticket.path("id").asText();
        long expires = ticket.path("expiresAt").asLong(-1);
        if (!meshId.matches("[0-9a-f]{16}") || issuer.isEmpty() || !id.matches("[0-9a-f]{16}") || expires < 0) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED,
                    "a join ticket needs mesh, issuer, key, id and expiresAt");
        }
        PublicKey issuerKey;
        try {
            byte[] raw = Base64.getDecoder().decode(key);
            issuerKey = Identity.publicKeyOf(raw);
            if (!Identity.nodeIdOf(raw).equals(issuer)) {
                throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the ticket's key is not its issuer's");
            }
        } catch (IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "an unreadable key in the ticket");
        }
        return new Ticket(id, meshId, issuer, Instant.ofEpochSecond(expires), issuerKey);
    }

    /** @return the ticket, once its issuer's signature and its expiry hold */
    private static Ticket signed(JsonNode ticket, Ticket t, Instant now) {
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(ticket.path("sig").asText());
        } catch (IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "an unreadable signature in the ticket");
        }
        if (!Identity.verify(t.issuerKey(), statement(t.meshId(), t.issuer(), ticket.path("key").asText(), t.id(),
                t.expiresAt().getEpochSecond()), sig)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the ticket is not signed by its issuer");
        }
        Instant expiresAt = t.expiresAt();
        if (!now.isBefore(expiresAt)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.EXPIRED, "the join ticket expired at " + expiresAt);
        }
        if (expiresAt.isAfter(now.plus(LONGEST))) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "the join ticket claims to last until " + expiresAt
                    + ", longer than an invite can");
        }
        return t;
    }

    private static X509Certificate certificate(String base64) {
        try {
            return MeshCertificates.parse(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "an unreadable certificate in the ticket");
        }
    }

    /** @return the bytes the issuer signs */
    private static byte[] statement(String meshId, String issuer, String key, String id, long expiresAt) {
        return (CONTEXT + meshId + "|" + issuer + "|" + key + "|" + id + "|" + expiresAt).getBytes(StandardCharsets.UTF_8);
    }
}
