package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Invites: signed, expiring, use-limited tokens bound to one mesh. A token carries the mesh root
 * (so the joiner pins the mesh key: the mesh id is the hash of that key), the issuer's membership
 * certificate, the issuer's endpoints (its {@code relay:<id>} among them when it uses relays, with
 * the relays and a {@link JoinTickets join ticket} for them), an invite id, the expiry and the
 * number of uses; the issuer signs it with its node key. The issuer keeps the uses left in {@code mesh/invites.json} and
 * redeems one per accepted join. Thread-safe.
 */
public final class Invites {

    /** Format of {@code invites.json}. */
    public static final int FILE_FORMAT = 1;

    /** Token format version: 2 since invites carry a join ticket for relays. */
    public static final int VERSION = 2;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A new invite.
     *
     * @param id the invite id
     * @param token the token to give the joiner
     * @param link the same as an {@code atmosphere://join/} link
     * @param code the short LAN code ({@link ShortCodes}), resolved over mDNS
     * @param expiresAt when it expires (ISO-8601)
     * @param uses how many joins it admits
     */
    public record Invite(String id, String token, String link, String code, String expiresAt, int uses) {
    }

    /**
     * What a valid token says.
     *
     * @param id the invite id
     * @param meshId the mesh
     * @param meshName its name
     * @param root the mesh root the joiner pins
     * @param issuer the issuing node
     * @param endpoints where the issuer can be reached
     * @param expiresAt when it expires
     * @param relays the relays the mesh's members use, which the joiner should keep a connection to
     * @param issuerCertificate the issuer's certificate (checked against the root): joins through a relay are sealed to its key
     * @param ticket the join ticket a relay admits the joiner with (checked; with the issuer's certificate and the root), or
     *               null when the issuer uses no relay
     */
    public record Token(String id, String meshId, String meshName, X509Certificate root, String issuer,
                        List<String> endpoints, Instant expiresAt, List<String> relays, X509Certificate issuerCertificate,
                        JsonNode ticket) {
    }

    private final Path file;

    /**
     * @param meshDir the node's {@code mesh/} folder
     */
    public Invites(Path meshDir) {
        this.file = meshDir.resolve("invites.json");
    }

    /**
     * @param identity the issuing node
     * @param store its mesh state (founder or admin)
     * @param ttl how long the invite lasts
     * @param uses how many joins it admits
     * @param endpoints where joiners can reach this node ({@code relay:<id>}: through the relays, with a join ticket)
     * @param relays the relays this node uses, passed on to joiners
     * @return the invite
     */
    public synchronized Invite create(Identity identity, MeshStore store, Duration ttl, int uses, List<String> endpoints,
                                      List<String> relays) {
        MeshStore.MeshInfo info = store.info().orElseThrow(() ->
                new AtmosphereException("This node is not in a mesh. 'atmosphere mesh create -n NAME' first."));
        if (!info.role().equals("founder") && !info.role().equals("admin")) {
            throw new AtmosphereException("Only the founder or an admin can invite; this node is a " + info.role() + ".");
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(Duration.ofDays(7)) > 0) {
            throw new AtmosphereException("--ttl must be between 1 s and 7 days, got " + ttl);
        }
        if (uses < 1 || uses > 1000) {
            throw new AtmosphereException("--uses must be between 1 and 1000, got " + uses);
        }
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        // whole seconds on the wire, rounded up: an invite lives at least its TTL, never a moment less
        Instant exact = Instant.now().plus(ttl);
        Instant expires = Instant.ofEpochSecond(exact.getEpochSecond() + (exact.getNano() > 0 ? 1 : 0));
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("v", VERSION);
        t.put("id", id);
        t.put("meshId", info.meshId());
        t.put("meshName", info.name());
        try {
            t.put("root", Base64.getEncoder().encodeToString(store.root().getEncoded()));
            // an admin shows its admin certificate: signed by the mesh key for the same node key
            t.put("issuerCert", Base64.getEncoder().encodeToString(store.adminCertificate().orElse(store.member()).getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        t.put("issuer", identity.nodeId());
        ArrayNode eps = t.putArray("endpoints");
        endpoints.forEach(eps::add);
        if (!relays.isEmpty()) {
            ArrayNode rs = t.putArray("relays");
            relays.forEach(rs::add);
        }
        t.put("expiresAt", expires.getEpochSecond());
        if (endpoints.stream().anyMatch(e -> e.startsWith(MeshRuntime.RELAY_SCHEME))) {
            // a public statement relays may read; the token carries only what the rest of it does not (see JoinTickets.assemble)
            ObjectNode ticket = JoinTickets.create(identity, store, expires, false);
            t.putObject("ticket").put("id", ticket.path("id").asText()).put("sig", ticket.path("sig").asText());
        }
        byte[] payload = t.toString().getBytes(StandardCharsets.UTF_8);
        byte[] sig = identity.sign(payload);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String token = b64.encodeToString(payload) + "." + b64.encodeToString(sig);
        ObjectNode all = load();
        ObjectNode entry = ((ObjectNode) all.withObject("/invites")).putObject(id);
        entry.put("usesLeft", uses);
        entry.put("expiresAt", expires.getEpochSecond());
        String code = ShortCodes.generate();
        entry.put("code", code);
        entry.put("lookup", ShortCodes.lookup(code));
        entry.put("token", token);
        save(all);
        return new Invite(id, token, "atmosphere://join/" + token, code, expires.toString(), uses);
    }

    /**
     * Checks a token as a joiner would: format, pinned mesh key, issuer certificate, signature, expiry.
     *
     * @param token the token (or an {@code atmosphere://join/} link)
     * @param now the time
     * @return what it says
     * @throws MeshSecurityException why it is refused
     */
    public static Token verify(String token, Instant now) {
        try {
            return checked(token, now);
        } catch (MeshSecurityException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "corrupt invite token: " + e.getMessage());
        }
    }

    private static Token checked(String token, Instant now) {
        String t = token.startsWith("atmosphere://join/") ? token.substring("atmosphere://join/".length()) : token.trim();
        int dot = t.indexOf('.');
        if (dot <= 0) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "not an invite token");
        }
        byte[] payload;
        byte[] sig;
        JsonNode j;
        X509Certificate root;
        X509Certificate issuer;
        try {
            payload = Base64.getUrlDecoder().decode(t.substring(0, dot));
            sig = Base64.getUrlDecoder().decode(t.substring(dot + 1));
            j = Json.parse(new String(payload, StandardCharsets.UTF_8));
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            root = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(j.path("root").asText())));
            issuer = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(j.path("issuerCert").asText())));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "corrupt invite token: " + e.getMessage());
        }
        if (j.path("v").asInt() != VERSION) {
            throw new MeshSecurityException(MeshSecurityException.Reason.VERSION, "the invite is version " + j.path("v")
                    + ", this node reads invite version " + VERSION + " (mesh protocol " + Envelope.VERSION
                    + "); issuer and joiner must run the same version of Atmosphere");
        }
        String meshId = j.path("meshId").asText();
        if (!MeshCertificates.meshId(root.getPublicKey()).equals(meshId)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the invite's mesh key does not hash to its mesh id");
        }
        try {
            root.verify(root.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the invite's mesh root is not signed by the mesh key");
        }
        String issuerId = MeshCertificates.verify(List.of(issuer), root, Set.of(), now);
        if (!issuerId.equals(j.path("issuer").asText()) || !Identity.verify(issuer.getPublicKey(), payload, sig)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "the invite is not signed by its issuer");
        }
        Instant expires = Instant.ofEpochSecond(j.path("expiresAt").asLong());
        if (!now.isBefore(expires)) {
            throw new MeshSecurityException(MeshSecurityException.Reason.EXPIRED, "the invite expired at " + expires);
        }
        List<String> endpoints = new ArrayList<>();
        j.path("endpoints").forEach(e -> endpoints.add(e.asText()));
        List<String> relays = new ArrayList<>();
        j.path("relays").forEach(e -> relays.add(e.asText()));
        JsonNode ticket = null;
        if (j.has("ticket")) {
            ticket = JoinTickets.assemble(meshId, issuerId, issuer, root, j.path("ticket").path("id").asText(), expires.getEpochSecond(),
                    j.path("ticket").path("sig").asText());
            JoinTickets.verify(ticket, List.of(), Set.of(), now);
        } else if (endpoints.stream().anyMatch(e -> e.startsWith(MeshRuntime.RELAY_SCHEME))) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "the invite names a relay endpoint but carries no join ticket");
        }
        return new Token(j.path("id").asText(), meshId, j.path("meshName").asText(), root, issuerId, endpoints, expires, relays,
                issuer, ticket);
    }

    /** An invite found by its short code: the code (the key of the answer's proof) and the token. */
    public record ByCode(String code, String token) {
    }

    /**
     * On the issuer: the invite a short code's lookup value names.
     *
     * @param lookup {@link ShortCodes#lookup} of the code
     * @param now the time
     * @return the invite, if one of this node's has that code
     * @throws MeshSecurityException EXPIRED when it has expired, REPLAYED when it is used up
     */
    public synchronized Optional<ByCode> byLookup(String lookup, Instant now) {
        JsonNode invites = load().path("invites");
        for (var it = invites.fields(); it.hasNext(); ) {
            JsonNode entry = it.next().getValue();
            if (!MessageDigest.isEqual(lookup.getBytes(StandardCharsets.US_ASCII),
                    entry.path("lookup").asText().getBytes(StandardCharsets.US_ASCII))) {
                continue;
            }
            if (now.getEpochSecond() >= entry.path("expiresAt").asLong()) {
                throw new MeshSecurityException(MeshSecurityException.Reason.EXPIRED, "the code has expired");
            }
            if (entry.path("usesLeft").asInt() <= 0) {
                throw new MeshSecurityException(MeshSecurityException.Reason.REPLAYED, "the code's invite was already used");
            }
            return Optional.of(new ByCode(entry.path("code").asText(), entry.path("token").asText()));
        }
        return Optional.empty();
    }

    /**
     * @param now the time
     * @return when the last of this node's invites that can still be used expires, if any can
     */
    public synchronized Optional<Instant> lastUsable(Instant now) {
        long last = -1;
        for (JsonNode entry : load().path("invites")) {
            long expires = entry.path("expiresAt").asLong();
            if (expires > now.getEpochSecond() && entry.path("usesLeft").asInt() > 0) {
                last = Math.max(last, expires);
            }
        }
        return last < 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(last));
    }

    /**
     * On the issuer, when a join with this invite is accepted: uses one.
     *
     * @param id the invite id
     * @param now the time
     * @throws MeshSecurityException EXPIRED, or REPLAYED when it is used up or unknown
     */
    public synchronized void redeem(String id, Instant now) {
        ObjectNode all = load();
        JsonNode entry = all.path("invites").path(id);
        if (entry.isMissingNode()) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "no invite " + id + " was issued by this node");
        }
        if (now.getEpochSecond() >= entry.path("expiresAt").asLong()) {
            throw new MeshSecurityException(MeshSecurityException.Reason.EXPIRED, "invite " + id + " expired");
        }
        int left = entry.path("usesLeft").asInt();
        if (left <= 0) {
            throw new MeshSecurityException(MeshSecurityException.Reason.REPLAYED, "invite " + id + " was already used");
        }
        ((ObjectNode) entry).put("usesLeft", left - 1);
        save(all);
    }

    private ObjectNode load() {
        if (!Files.exists(file)) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("format", FILE_FORMAT);
            n.putObject("invites");
            return n;
        }
        try {
            return (ObjectNode) FileFormat.read(file, FILE_FORMAT);
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new AtmosphereException(file + " is unreadable: " + e.getMessage(), e);
        }
    }

    private void save(ObjectNode all) {
        try {
            AtomicFiles.writeString(file, Json.pretty(all) + "\n", AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
