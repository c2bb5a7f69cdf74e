package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.transport.Transport;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The joiner's side of {@code mesh join TARGET}: TARGET is an invite (token or
 * {@code atmosphere://join/} link) or the {@code host:port} of a member's mesh port. With an
 * invite the link is TLS under the root it pins; by address the member's root is taken at first
 * contact and the request always waits for the owner's approval. An issuer that listens nowhere
 * is reached through a relay its invite names, with the invite's join ticket; the messages are
 * then sealed to the issuer ({@link JoinChannel}). The joiner proves it holds its node key, waits
 * for the answer, checks the grant and stores the membership and member list.
 */
public final class MeshJoiner {

    private MeshJoiner() {
    }

    /** The result of a join. */
    public record Joined(MeshStore.MeshInfo mesh, String via, List<KnownMember> members) {
    }

    /**
     * @param target an invite token or link, or host:port
     * @param identity this node
     * @param nodeName the name it shows to the mesh
     * @param store this node's mesh store (must be empty)
     * @param transports makes a transport of the configured (direct) type
     * @param relayTransport makes a relay transport, if its plugin is installed
     * @param endpoint where this node's mesh port will be reachable (announced to the mesh)
     * @param wait how long to wait for approval
     * @param clock the clock
     * @param progress told what happens, one line at a time
     * @return the mesh joined
     * @throws AtmosphereException with what went wrong and what to do
     */
    public static Joined join(String target, Identity identity, String nodeName, MeshStore store, Supplier<Transport> transports,
                              Supplier<Optional<Transport>> relayTransport, String endpoint, Duration wait, Clock clock,
                              Consumer<String> progress) {
        if (store.info().isPresent()) {
            MeshStore.MeshInfo i = store.info().get();
            throw new AtmosphereException("This node is already in mesh " + i.meshId() + " ('" + i.name()
                    + "'). Leave it first with 'atmosphere mesh leave'.");
        }
        String t = target.trim();
        boolean byAddress = t.matches("[A-Za-z0-9.\\-]+:\\d{1,5}") || t.matches("\\[[0-9a-fA-F:]+]:\\d{1,5}");
        Invites.Token invite = null;
        List<String> endpoints = new ArrayList<>();
        AtomicReference<List<X509Certificate>> seen = new AtomicReference<>(List.of());
        SSLContext tls;
        if (byAddress) {
            endpoints.add("wss://" + t);
            tls = MeshTls.firstContact(seen);
        } else {
            try {
                invite = Invites.verify(t, clock.instant());
            } catch (MeshSecurityException e) {
                throw new AtmosphereException("The invite is not usable: " + e.getMessage()
                        + ". Ask the mesh owner for a new one ('atmosphere mesh invite').", e);
            }
            endpoints.addAll(invite.endpoints());
            if (endpoints.isEmpty()) {
                throw new AtmosphereException("The invite names no endpoint of its issuer. Join with the issuer's address instead: "
                        + "'atmosphere mesh join HOST:11452'.");
            }
            tls = MeshTls.joiner(invite.root(), clock);
        }
        try (JoinChannel channel = reach(endpoints, invite, identity, transports, relayTransport, tls)) {
            String via = channel.via();
            Joins.Request request;
            X509Certificate pinned;
            String meshName;
            if (channel.throughRelay()) {
                progress.accept("Reached the issuer through a relay (" + via + "); what this node sends it is sealed to its key.");
            }
            if (invite == null) {
                List<X509Certificate> chain = seen.get();
                if (chain.isEmpty()) {
                    throw new AtmosphereException(via + " showed no certificate.");
                }
                X509Certificate leaf = chain.get(0);
                String meshId = MeshCertificates.meshIdOf(leaf);
                progress.accept("Mesh " + meshId + " answered at " + via + " (member " + MeshCertificates.nodeIdOf(leaf)
                        + "). Without an invite, the owner must approve: 'atmosphere approve " + identity.nodeId() + "' on their node.");
                request = Joins.requestWithoutInvite(identity, meshId, clock.instant());
                pinned = null;
                meshName = null;
            } else {
                request = Joins.request(identity, t, clock.instant());
                pinned = invite.root();
                meshName = invite.meshName();
            }
            request = new Joins.Request(request.token(), request.nodeId(), nodeName, request.publicKey(), request.at(), request.proof());
            ObjectNode msg = Json.MAPPER.createObjectNode();
            msg.put("type", "join");
            msg.put("protocol", Envelope.VERSION);
            msg.set("request", Json.MAPPER.valueToTree(request));
            msg.put("endpoint", endpoint);
            channel.send(msg);
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode answer = left <= 0 ? null : channel.next(left, TimeUnit.NANOSECONDS);
                if (answer == null) {
                    throw new AtmosphereException("No approval within " + wait.toMinutes() + " min. The request stays pending on the "
                            + "issuer; run 'mesh join' again once it is approved.");
                }
                switch (answer.path("status").asText()) {
                    case "pending" -> progress.accept("Waiting for the mesh owner to approve this node ("
                            + identity.nodeId() + ")...");
                    case "granted" -> {
                        Joins.Grant grant = Json.MAPPER.treeToValue(answer.path("grant"), Joins.Grant.class);
                        MeshStore.MeshInfo info;
                        if (pinned != null) {
                            info = Joins.accept(grant, pinned, meshName, identity, store, clock.instant());
                        } else {
                            X509Certificate root = Joins.rootOf(grant);
                            // the grant must come from the mesh the member's TLS certificate showed
                            MeshCertificates.verify(List.of(seen.get().get(0)), root, Set.of(), clock.instant());
                            info = Joins.accept(grant, root, grant.meshName(), identity, store, clock.instant());
                        }
                        List<KnownMember> members = new ArrayList<>();
                        for (JsonNode m : answer.path("members")) {
                            members.add(new KnownMember(m.path("nodeId").asText(), m.path("name").asText(),
                                    m.path("endpoint").asText(""), "alive", 0, 0, List.of()));
                        }
                        KnownMember.save(store.dir(), members);
                        if (invite != null && !invite.relays().isEmpty()) {
                            store.saveRelays(invite.relays());
                        }
                        return new Joined(info, via, members);
                    }
                    case "denied" -> throw new AtmosphereException("The mesh owner denied this node's request to join.");
                    case "closed" -> throw new AtmosphereException("The issuer closed the connection (" + answer.path("error").asText()
                            + ") before answering. Try again.");
                    default -> throw new AtmosphereException("The issuer refused the join: " + answer.path("error").asText("no reason given") + ".");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtmosphereException("Interrupted while joining.");
        } catch (MeshSecurityException e) {
            throw new AtmosphereException("The mesh's answer did not verify: " + e.getMessage() + ". Nothing was stored.", e);
        } catch (JsonProcessingException e) {
            throw new AtmosphereException("The mesh's answer was corrupt: " + e.getOriginalMessage(), e);
        }
    }

    /** Reaches the issuer at the first endpoint that answers: directly, or through a relay with the invite's ticket. */
    private static JoinChannel reach(List<String> endpoints, Invites.Token invite, Identity identity, Supplier<Transport> transports,
                                     Supplier<Optional<Transport>> relayTransport, SSLContext tls) {
        List<String> failures = new ArrayList<>();
        for (String e : endpoints) {
            try {
                if (!e.startsWith(MeshRuntime.RELAY_SCHEME)) {
                    return JoinChannel.direct(transports.get(), e, tls);
                }
                if (invite == null || invite.ticket() == null || invite.relays().isEmpty()) {
                    failures.add(e + ": the invite names no relay to reach it through");
                    continue;
                }
                Optional<Transport> relay = relayTransport.get();
                if (relay.isEmpty()) {
                    failures.add(e + ": the relay transport plugin is not installed");
                    continue;
                }
                // Invites.verify checked the ticket with the rest of the invite
                return JoinChannel.relay(relay.get(), identity, invite.issuer(), invite.issuerCertificate().getPublicKey(), invite.ticket(),
                        invite.relays());
            } catch (CallFailedException ex) {
                failures.add(e + ": " + ex.getMessage());
            }
        }
        boolean relayOnly = endpoints.stream().allMatch(e -> e.startsWith(MeshRuntime.RELAY_SCHEME));
        throw new AtmosphereException("Cannot reach the mesh: " + String.join("; ", failures) + (relayOnly
                ? ". Is the issuing node serving, and connected to its relay ('atmosphere network' on it)?"
                : ". Is the issuing node serving, and its mesh port (11452) reachable from here?"));
    }

    /**
     * Asks nodes found on the LAN which of them issued a short code, and trades the code for its
     * invite token. The code itself never travels (see {@link ShortCodes}). A node that listens on
     * the LAN is asked at its mesh port; one that listens nowhere but uses a relay is asked through
     * it, with the join ticket its mDNS record carries, sealed to its key.
     *
     * @param code the code, canonical
     * @param nodes nodes in a mesh heard on the LAN
     * @param identity this node
     * @param transports makes a transport of the direct kind
     * @param relayTransport makes a relay transport, if its plugin is installed
     * @param progress told what happens
     * @return the invite token, checked against the issuer's proof
     * @throws AtmosphereException when no node knows the code, naming what each said
     */
    public static String redeemCode(String code, List<LanPresence.Nearby> nodes, Identity identity, Supplier<Transport> transports,
                                    Supplier<Optional<Transport>> relayTransport, Consumer<String> progress) {
        String lookup = ShortCodes.lookup(code);
        List<String> answers = new ArrayList<>();
        for (LanPresence.Nearby node : nodes) {
            String where = node.meshPort() > 0 ? node.endpoint() : MeshRuntime.RELAY_SCHEME + node.nodeId() + " via " + node.relay();
            try (JoinChannel channel = codeChannel(node, identity, transports, relayTransport)) {
                String nonce = ShortCodes.nonce();
                ObjectNode ask = Json.MAPPER.createObjectNode();
                ask.put("type", "code");
                ask.put("exchange", ShortCodes.EXCHANGE);
                ask.put("lookup", lookup);
                ask.put("nonce", nonce);
                channel.send(ask);
                JsonNode a = channel.next(10, TimeUnit.SECONDS);
                if (a == null) {
                    answers.add(where + ": no answer");
                    continue;
                }
                if (a.path("status").asText().equals("code")) {
                    Optional<String> token = ShortCodes.open(code, nonce, a.path("nonce").asText(), a.path("iv").asText(),
                            a.path("ciphertext").asText());
                    if (token.isEmpty()) {
                        answers.add(where + ": answered with something the code does not open (ignored)");
                        continue;
                    }
                    progress.accept("Found the code's issuer at " + where + ".");
                    return token.get();
                }
                answers.add(where + ": " + a.path("error").asText(a.path("status").asText()));
            } catch (CallFailedException | MeshSecurityException | IllegalArgumentException e) {
                answers.add(where + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AtmosphereException("Interrupted while asking for the code.");
            }
        }
        throw new AtmosphereException("No node on this network accepted the code (" + String.join("; ", answers)
                + "). Check the code, or ask for a new one: codes expire with their invite.");
    }

    /** A way to ask a node heard on the LAN for a code: its mesh port (first contact), or its relay with its ticket. */
    private static JoinChannel codeChannel(LanPresence.Nearby node, Identity identity, Supplier<Transport> transports,
                                           Supplier<Optional<Transport>> relayTransport) {
        if (node.meshPort() > 0) {
            return JoinChannel.direct(transports.get(), node.endpoint(), MeshTls.firstContact(new AtomicReference<>(List.of())));
        }
        JsonNode ticketJson = Json.parse(node.ticket());
        JoinTickets.Ticket ticket = JoinTickets.read(ticketJson, Instant.now());
        if (!ticket.issuer().equals(node.nodeId()) || !ticket.meshId().equals(node.meshId())) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "its mDNS record carries another member's join ticket");
        }
        Transport relay = relayTransport.get().orElseThrow(() -> new CallFailedException(
                farm.llama.atmosphere.spi.FailureKind.UNREACHABLE, "it is reached through a relay, and the relay transport plugin is not installed"));
        return JoinChannel.relay(relay, identity, ticket.issuer(), ticket.issuerKey(), ticketJson, List.of(node.relay()));
    }
}
