package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportOptions;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
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
 * contact and the request always waits for the owner's approval. The joiner proves it holds its
 * node key, waits for the answer, checks the grant and stores the membership and member list.
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
     * @param transports makes a transport of the configured type
     * @param endpoint where this node's mesh port will be reachable (announced to the mesh)
     * @param wait how long to wait for approval
     * @param clock the clock
     * @param progress told what happens, one line at a time
     * @return the mesh joined
     * @throws AtmosphereException with what went wrong and what to do
     */
    public static Joined join(String target, Identity identity, String nodeName, MeshStore store, Supplier<Transport> transports, String endpoint,
                              Duration wait, Clock clock, Consumer<String> progress) {
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
        JoinAnswers answers = new JoinAnswers();
        try (Transport transport = transports.get()) {
            transport.start(new TransportOptions("0.0.0.0", TransportOptions.NO_LISTEN, Optional.of(() -> tls)), answers);
            Link link = null;
            String via = null;
            List<String> failures = new ArrayList<>();
            for (String e : endpoints) {
                if (!transport.accepts(e)) {
                    continue;
                }
                try {
                    link = transport.connect(e);
                    via = e;
                    break;
                } catch (CallFailedException ex) {
                    failures.add(e + ": " + ex.getMessage());
                }
            }
            if (link == null) {
                throw new AtmosphereException("Cannot reach the mesh: " + String.join("; ", failures)
                        + ". Is the issuing node serving, and its mesh port (11452) reachable from here?");
            }
            Joins.Request request;
            X509Certificate pinned;
            String meshName;
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
            link.send(Json.write(msg).getBytes(StandardCharsets.UTF_8)).join();
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode answer = left <= 0 ? null : answers.next(left, TimeUnit.NANOSECONDS);
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
                        link.close();
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

    /**
     * Asks nodes found on the LAN which of them issued a short code, and trades the code for its
     * invite token. The code itself never travels (see {@link ShortCodes}).
     *
     * @param code the code, canonical
     * @param endpoints mesh endpoints of nodes heard on the LAN
     * @param transports makes a transport
     * @param progress told what happens
     * @return the invite token, checked against the issuer's proof
     * @throws AtmosphereException when no node knows the code, naming what each said
     */
    public static String redeemCode(String code, List<String> endpoints, Supplier<Transport> transports, Consumer<String> progress) {
        String lookup = ShortCodes.lookup(code);
        List<String> answers = new ArrayList<>();
        for (String endpoint : endpoints) {
            JoinAnswers queue = new JoinAnswers();
            AtomicReference<List<X509Certificate>> seen = new AtomicReference<>(List.of());
            SSLContext tls = MeshTls.firstContact(seen);
            try (Transport transport = transports.get()) {
                transport.start(new TransportOptions("0.0.0.0", TransportOptions.NO_LISTEN, Optional.of(() -> tls)), queue);
                if (!transport.accepts(endpoint)) {
                    continue;
                }
                Link link = transport.connect(endpoint);
                String nonce = ShortCodes.nonce();
                ObjectNode ask = Json.MAPPER.createObjectNode();
                ask.put("type", "code");
                ask.put("exchange", ShortCodes.EXCHANGE);
                ask.put("lookup", lookup);
                ask.put("nonce", nonce);
                link.send(Json.write(ask).getBytes(StandardCharsets.UTF_8)).join();
                JsonNode a = queue.next(10, TimeUnit.SECONDS);
                link.close();
                if (a == null) {
                    answers.add(endpoint + ": no answer");
                    continue;
                }
                if (a.path("status").asText().equals("code")) {
                    Optional<String> token = ShortCodes.open(code, nonce, a.path("nonce").asText(), a.path("iv").asText(),
                            a.path("ciphertext").asText());
                    if (token.isEmpty()) {
                        answers.add(endpoint + ": answered with something the code does not open (ignored)");
                        continue;
                    }
                    progress.accept("Found the code's issuer at " + endpoint + ".");
                    return token.get();
                }
                answers.add(endpoint + ": " + a.path("error").asText(a.path("status").asText()));
            } catch (CallFailedException e) {
                answers.add(endpoint + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AtmosphereException("Interrupted while asking for the code.");
            }
        }
        throw new AtmosphereException("No node on this network accepted the code (" + String.join("; ", answers)
                + "). Check the code, or ask for a new one: codes expire with their invite.");
    }
}
