package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.transport.Link;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Every frame that arrives on a link: a frame that is not an envelope goes to the extension (a
 * join); an envelope is verified (signature, chain to the mesh root, freshness, revocations,
 * protocol version), opened when sealed for a relay, and handed to whom it is for — membership,
 * revocations and rosters, certificate chains, or the extension. What fails a check is dropped
 * and counted; a peer of another protocol version is remembered, with both versions named.
 */
final class Inbound {

    private static final System.Logger LOG = System.getLogger(Inbound.class.getName());

    private final EnvelopeVerifier verifier;
    private final Sealing sealing;
    private final ChainBook chainBook;
    private final RevocationFlood flood;
    private final Consumer<SwimMessage> swim;
    private final MeshExtension extension;
    private final Clock clock;
    private final Map<String, Long> lastHeard = new ConcurrentHashMap<>();
    private final Map<String, String> versionMismatch = new ConcurrentHashMap<>();

    /**
     * @param verifier checks envelopes
     * @param sealing opens sealed envelopes
     * @param chainBook members' certificate chains
     * @param flood revocations and rosters
     * @param swim takes a verified membership message
     * @param extension takes the rest
     * @param clock the clock
     */
    Inbound(EnvelopeVerifier verifier, Sealing sealing, ChainBook chainBook, RevocationFlood flood, Consumer<SwimMessage> swim,
            MeshExtension extension, Clock clock) {
        this.verifier = verifier;
        this.sealing = sealing;
        this.chainBook = chainBook;
        this.flood = flood;
        this.swim = swim;
        this.extension = extension;
        this.clock = clock;
    }

    /** @return when a verified message last came from a member, ms since the epoch, or 0 */
    long lastHeard(String member) {
        return lastHeard.getOrDefault(member, 0L);
    }

    /** @return why a member's messages are refused for their protocol version, if they are */
    Optional<String> versionMismatch(String member) {
        return Optional.ofNullable(versionMismatch.get(member));
    }

    void receive(Link link, byte[] frame) {
        if (frame.length < 3 || !Arrays.equals(Arrays.copyOf(frame, 3), EnvelopeCodec.MAGIC)) {
            extension.unauthenticated(link, frame);
            return;
        }
        EnvelopeVerifier.Verified checked;
        try {
            checked = verifier.verify(frame);
        } catch (MeshSecurityException e) {
            if (e.reason() == MeshSecurityException.Reason.VERSION) {
                List<X509Certificate> peer = link.peerCertificates();
                String who = peer.isEmpty() ? link.remote() : MeshCertificates.nodeIdOf(peer.get(0));
                if (versionMismatch.put(who, e.getMessage()) == null) {
                    LOG.log(System.Logger.Level.WARNING, () -> "refused " + who + ": " + e.getMessage());
                }
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "dropped a mesh message from " + link.remote() + ": " + e.reason() + ": " + e.getMessage());
            return;
        }
        Optional<EnvelopeVerifier.Verified> opened = opened(link, checked);
        if (opened.isEmpty()) {
            return;
        }
        EnvelopeVerifier.Verified v = opened.get();
        lastHeard.put(v.sender(), clock.millis());
        sealing.learned(v.sender(), v.envelope().chain().get(0));
        chainBook.learn(v.sender(), v.envelope().chain());
        versionMismatch.remove(v.sender());
        switch (v.envelope().type()) {
            case "revocation" -> {
                try {
                    flood.learn(Json.MAPPER.readValue(v.envelope().payload(), Revocations.Revocation.class), v.sender());
                } catch (IOException | MeshSecurityException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "refused a revocation from " + v.sender() + ": " + e.getMessage());
                }
            }
            case "roles" -> {
                try {
                    flood.takeRoles(Json.MAPPER.readValue(v.envelope().payload(), MeshRoles.Roster.class), v.sender());
                } catch (IOException | MeshSecurityException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "refused a roster of roles from " + v.sender() + ": " + e.getMessage());
                }
            }
            case "chains.request" -> {
                try {
                    chainBook.answer(v.sender(), v.envelope().payload());
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "ignored a malformed chains request from " + v.sender());
                }
            }
            case "chains" -> {
                try {
                    chainBook.take(v.sender(), v.envelope().payload());
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "ignored malformed chains from " + v.sender());
                }
            }
            case "swim" -> {
                SwimMessage msg;
                try {
                    msg = Json.MAPPER.readValue(v.envelope().payload(), SwimMessage.class);
                } catch (IOException e) {
                    return;
                }
                if (!msg.from().equals(v.sender())) {
                    return; // the envelope is the authority on who sent it
                }
                swim.accept(msg);
            }
            default -> {
                try {
                    extension.message(link, v);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "handling a '" + v.envelope().type() + "' message from " + v.sender()
                            + " failed: " + e);
                }
            }
        }
    }

    /** @return the envelope, opened first when it was sealed for a relay; empty when it does not open */
    private Optional<EnvelopeVerifier.Verified> opened(Link link, EnvelopeVerifier.Verified v) {
        if (!v.envelope().type().equals(EnvelopeCodec.SEALED)) {
            return Optional.of(v);
        }
        try {
            EnvelopeVerifier.Verified inner = new EnvelopeVerifier.Verified(
                    EnvelopeCodec.open(v.envelope(), sealing.shared(v.sender(), v.envelope().chain().get(0))), v.sender());
            sealing.count("opened");
            return Optional.of(inner);
        } catch (MeshSecurityException e) {
            sealing.count("refused");
            LOG.log(System.Logger.Level.DEBUG, () -> "dropped a sealed message from " + v.sender() + " via " + link.remote() + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
