package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.JoinPass;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A joiner's way to the member it asks: a TLS link straight to the member's mesh port, or a link
 * through a relay that admitted this node with the member's join ticket. Through a relay every
 * message is sealed to the member ({@link JoinSeal}) and only answers sealed under this join's
 * reply key are taken, so the relay reads none of it and can forge none of it; the relay can only
 * drop or delay, which ends as a timeout or a closed link.
 */
final class JoinChannel implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(JoinChannel.class.getName());

    private final Transport transport;
    private final JoinAnswers answers;
    private final Link link;
    private final String via;
    private final PublicKey sealTo;
    private final String issuer;
    private volatile byte[] replyKey;

    private JoinChannel(Transport transport, JoinAnswers answers, Link link, String via, PublicKey sealTo, String issuer) {
        this.transport = transport;
        this.answers = answers;
        this.link = link;
        this.via = via;
        this.sealTo = sealTo;
        this.issuer = issuer;
    }

    /**
     * A TLS link to a member's mesh port.
     *
     * @param transport a new transport of the direct kind (closed with the channel, or when this fails)
     * @param endpoint the member's endpoint
     * @param tls the joiner's TLS context (pinning the invite's root, or taking the member's at first contact)
     * @return the channel
     * @throws CallFailedException when the member cannot be reached there
     */
    static JoinChannel direct(Transport transport, String endpoint, SSLContext tls) {
        JoinAnswers answers = new JoinAnswers();
        try {
            transport.start(new TransportOptions("0.0.0.0", TransportOptions.NO_LISTEN, Optional.of(() -> tls)), answers);
            if (!transport.accepts(endpoint)) {
                throw new CallFailedException(FailureKind.UNREACHABLE, "not an endpoint of the " + transport.type() + " transport");
            }
            return new JoinChannel(transport, answers, transport.connect(endpoint), endpoint, null, "");
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /**
     * A link through a relay, admitted with the issuer's join ticket.
     *
     * @param transport a new relay transport (closed with the channel, or when this fails)
     * @param identity this node
     * @param issuer the issuer's node id
     * @param issuerKey the issuer's Ed25519 key, which the messages are sealed to
     * @param ticketJson the issuer's join ticket (checked by the caller)
     * @param relays the relays the issuer uses
     * @return the channel
     * @throws CallFailedException when no relay admits this node or the issuer is connected to none
     */
    static JoinChannel relay(Transport transport, Identity identity, String issuer, PublicKey issuerKey, JsonNode ticketJson,
                             List<String> relays) {
        JoinAnswers answers = new JoinAnswers();
        JoinPass pass = new JoinPass() {
            @Override
            public String ticket() {
                return Json.write(ticketJson);
            }

            @Override
            public String issuer() {
                return issuer;
            }

            @Override
            public String nodeId() {
                return identity.nodeId();
            }

            @Override
            public byte[] publicKey() {
                return Identity.rawPublicKey(identity.publicKey());
            }

            @Override
            public byte[] sign(byte[] data) {
                return identity.sign(data);
            }

            @Override
            public List<String> relays() {
                return relays;
            }
        };
        String endpoint = MeshRuntime.RELAY_SCHEME + issuer;
        try {
            transport.start(new TransportOptions("0.0.0.0", TransportOptions.NO_LISTEN, Optional.empty(), Optional.empty(),
                    Optional.of(pass)), answers);
            return new JoinChannel(transport, answers, transport.connect(endpoint), endpoint + " via " + String.join(", ", relays),
                    issuerKey, issuer);
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /** @return where the member was reached */
    String via() {
        return via;
    }

    /** @return whether the messages pass through a relay (sealed) */
    boolean throughRelay() {
        return sealTo != null;
    }

    /** @return the member's certificates from the TLS handshake (empty through a relay) */
    List<X509Certificate> peerCertificates() {
        return link.peerCertificates();
    }

    /**
     * Sends a message to the member: sealed to it when through a relay.
     *
     * @param message the message
     */
    void send(JsonNode message) {
        JsonNode out = message;
        if (sealTo != null) {
            JoinSeal.Sealed sealed = JoinSeal.seal(message, sealTo, issuer);
            replyKey = sealed.replyKey();
            out = sealed.message();
        }
        link.send(Json.write(out).getBytes(StandardCharsets.UTF_8)).join();
    }

    /**
     * @param timeout how long to wait
     * @param unit its unit
     * @return the member's next answer (opened), {@code {"status":"closed"}} when the link closed, or null when none came in time
     * @throws InterruptedException if interrupted
     */
    JsonNode next(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode a = left <= 0 ? null : answers.next(left, TimeUnit.NANOSECONDS);
            if (a == null || sealTo == null || "closed".equals(a.path("status").asText()) && !a.has("type")) {
                return a;
            }
            if (JoinSeal.REPLY.equals(a.path("type").asText()) && replyKey != null) {
                try {
                    return JoinSeal.openReply(replyKey, a);
                } catch (MeshSecurityException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "dropped an answer through " + via + " that the member did not seal");
                    continue;
                }
            }
            if ("refused".equals(a.path("status").asText())) {
                // the member could not open what was sent, so it could not seal its refusal: say that the relay passed it on
                return ((com.fasterxml.jackson.databind.node.ObjectNode) a.deepCopy()).put("error",
                        a.path("error").asText("no reason given") + " (an unsealed answer, as the relay passed it on)");
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "dropped an unsealed message through " + via);
        }
    }

    @Override
    public void close() {
        try {
            link.close();
        } finally {
            transport.close();
        }
    }
}
