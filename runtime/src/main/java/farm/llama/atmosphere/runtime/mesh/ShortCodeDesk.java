package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.transport.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Short codes ({@code K7QM-2X9P-LR4T}) on both sides. The issuer answers a joiner's lookup with
 * the invite token sealed under the code (wrong or expired codes are limited per address and in
 * total, {@link CodeBudget}); the joiner finds issuers on the LAN over mDNS and trades its code
 * for the token ({@link MeshJoiner#redeemCode}).
 */
final class ShortCodeDesk {

    /** How long a joiner looks for issuers on the LAN. */
    private static final Duration SEARCH = Duration.ofSeconds(15);
    /** Wrong or expired short codes accepted per minute from one address before the issuer stops answering it for a while. */
    static final int ATTEMPTS_PER_MINUTE = 10;
    /** Wrong or expired short codes accepted per minute from all addresses together (a ceiling for many hosts). */
    static final int ATTEMPTS_PER_MINUTE_ALL = 100;

    private final Supplier<Invites> invites;
    private final Clock clock;
    private final CodeBudget failures = new CodeBudget(ATTEMPTS_PER_MINUTE, ATTEMPTS_PER_MINUTE_ALL);

    /**
     * @param invites this node's invites, while it is in a mesh
     * @param clock the clock
     */
    ShortCodeDesk(Supplier<Invites> invites, Clock clock) {
        this.invites = invites;
        this.clock = clock;
    }

    /**
     * On the issuer: a joiner's code lookup.
     *
     * @param remote the joiner's address
     * @param msg its request
     * @return the answer: the invite token sealed for whoever holds the code
     * @throws Refusal if the exchange version, the request, the budget or the code is wrong
     */
    ObjectNode answer(String remote, JsonNode msg) throws Refusal {
        int exchange = msg.path("exchange").asInt(1);
        if (exchange != ShortCodes.EXCHANGE) {
            throw new Refusal("version", "the joiner speaks short-code exchange version " + exchange + ", this node speaks version "
                    + ShortCodes.EXCHANGE + " (protocol " + Envelope.VERSION + "): update the older of the two, or join with the invite token");
        }
        String lookup = msg.path("lookup").asText();
        String nonce = msg.path("nonce").asText();
        if (!lookup.matches("[0-9a-f]{16}") || !nonce.matches("[0-9a-f]{32}")) {
            throw new Refusal("malformed", "a short-code request needs a lookup and a nonce");
        }
        long now = clock.millis();
        String address = CodeBudget.address(remote);
        Optional<String> spent = failures.spent(address, now);
        if (spent.isPresent()) {
            throw new Refusal("code_rate", spent.get());
        }
        Invites inv = invites.get();
        Optional<Invites.ByCode> found;
        try {
            found = inv == null ? Optional.empty() : inv.byLookup(lookup, clock.instant());
        } catch (MeshSecurityException e) {
            failures.failed(address, now);
            throw new Refusal(e.reason() == MeshSecurityException.Reason.EXPIRED ? "code_expired" : "code_used", e.getMessage());
        }
        if (found.isEmpty()) {
            failures.failed(address, now);
            throw new Refusal("bad_code", "no invite of this node has that code");
        }
        String issuerNonce = ShortCodes.nonce();
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("status", "code");
        answer.put("exchange", ShortCodes.EXCHANGE);
        answer.put("nonce", issuerNonce);
        ShortCodes.seal(found.get().code(), nonce, issuerNonce, found.get().token()).forEach(answer::put);
        return answer;
    }

    /**
     * On the joiner: finds the code's issuer on the LAN and trades the code for its invite token.
     *
     * @param code the short code
     * @param running the node's mDNS presence, if it runs (else one is started for the search)
     * @param lanAddress the address mDNS uses
     * @param identity this node
     * @param transport makes the transport to reach issuers at their mesh port
     * @param relayTransport makes a relay transport, for issuers that listen nowhere
     * @param progress told what happens
     * @return the invite token
     */
    static String redeem(String code, Optional<LanPresence> running, String lanAddress, Identity identity, Supplier<Transport> transport,
                         Supplier<Optional<Transport>> relayTransport, Consumer<String> progress) {
        LanPresence presence = running.orElse(null);
        boolean temporary = presence == null;
        try {
            if (temporary) {
                presence = LanPresence.start(InetAddress.getByName(lanAddress), identity.nodeId());
            }
            progress.accept("Looking for the code's issuer on the LAN (mDNS)...");
            List<LanPresence.Nearby> nodes = presence.awaitMeshNodes(SEARCH);
            if (nodes.isEmpty()) {
                throw new AtmosphereException("No Atmosphere node in a mesh answered on this network within " + SEARCH.toSeconds()
                        + " s (mDNS on " + lanAddress + "). Are both devices on the same LAN, and is the issuer serving? A token from"
                        + " 'atmosphere mesh invite' works across networks.");
            }
            return MeshJoiner.redeemCode(code, nodes, identity, transport, relayTransport, progress);
        } catch (IOException e) {
            throw new AtmosphereException("mDNS cannot start on " + lanAddress + " (" + e.getMessage()
                    + "); set mesh.mdns-address, or join with the invite token instead.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtmosphereException("Interrupted while looking for the code's issuer.");
        } finally {
            if (temporary && presence != null) {
                presence.close();
            }
        }
    }
}
