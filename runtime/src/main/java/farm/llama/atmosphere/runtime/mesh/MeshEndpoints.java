package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Where this node is reached in its mesh: the endpoint it announces ({@code mesh.advertise}, else
 * the running transport's, else the bind address — or {@code relay:<node id>} when it does not
 * listen), the port it listens on, the address mDNS uses and the relays it connects to.
 */
final class MeshEndpoints {

    private static final System.Logger LOG = System.getLogger(MeshEndpoints.class.getName());
    /** The relay transport's type. */
    private static final String RELAY = "relay";

    private final MeshSettings settings;
    private final String nodeId;
    private final MeshStore store;

    /**
     * @param settings {@code mesh.*}
     * @param nodeId this node
     * @param store its mesh files (the relays an invite named)
     */
    MeshEndpoints(MeshSettings settings, String nodeId, MeshStore store) {
        this.settings = settings;
        this.nodeId = nodeId;
        this.store = store;
    }

    /**
     * @param rt the running mesh, or null
     * @return the endpoints an invite names: {@code mesh.advertise}, else where the mesh listens; then
     *         {@code relay:<node id>} when this node keeps a connection to a relay
     * @throws AtmosphereException when this node neither listens nor uses a relay, so nobody could join through it
     */
    List<String> forInvite(MeshRuntime rt) {
        List<String> eps = new ArrayList<>(settings.advertise());
        if (eps.isEmpty() && rt != null) {
            eps.addAll(rt.endpoints());
        }
        if (eps.isEmpty()) {
            eps.add(endpoint(rt));
        }
        eps.removeIf(e -> e.startsWith(MeshRuntime.RELAY_SCHEME));
        List<String> relays = relays();
        List<String> transports = rt != null ? rt.transportTypes() : settings.transportsToRun(relays);
        if (!relays.isEmpty() && transports.contains(RELAY)) {
            eps.add(MeshRuntime.RELAY_SCHEME + nodeId); // joiners that cannot reach this node directly come through a relay
        }
        if (eps.isEmpty()) {
            throw new AtmosphereException("This node does not listen (mesh.transports: " + settings.transportsToRun(relays)
                    + ") and uses no relay, so nobody could join through it. Set mesh.relays, or add websocket to mesh.transports.");
        }
        return eps;
    }

    /**
     * @param rt the running mesh, or null
     * @return this node's own endpoint as announced to the mesh
     */
    String endpoint(MeshRuntime rt) {
        if (!settings.advertise().isEmpty()) {
            return settings.advertise().get(0);
        }
        // the running transports when the mesh runs (no file read per call); what would run, when it does not
        List<String> transports = rt != null ? rt.transportTypes() : settings.transportsToRun(relays());
        if (!transports.contains(settings.transport())) {
            return MeshRuntime.RELAY_SCHEME + nodeId; // this node does not listen: members reach it through relays
        }
        if (rt != null && !rt.endpoints().isEmpty()) {
            return rt.endpoints().get(0);
        }
        return "wss://" + bindHost() + ":" + settings.port();
    }

    /** The join ticket this node advertises on the LAN, kept while it lasts as long as the invites it serves codes for. */
    private volatile ObjectNode lanTicket;

    /**
     * @param rt the running mesh, or null
     * @param invites this node's invites, or null
     * @param identity this node
     * @param now the time
     * @return how joiners on the LAN reach this node to trade a short code when it listens nowhere:
     *         its first relay and a join ticket (without certificates: mDNS has no room for them) that
     *         lasts as long as its last usable invite; empty when it listens, runs no relay, cannot
     *         admit, or has no invite left to use
     */
    Optional<LanPresence.RelayWay> lanRelayWay(MeshRuntime rt, Invites invites, Identity identity, Instant now) {
        List<String> relays = relays();
        if (rt == null || invites == null || listeningPort(rt) > 0 || !rt.transportTypes().contains(RELAY) || relays.isEmpty()
                || store.meshKey().isEmpty() && store.adminCertificate().isEmpty()) {
            return Optional.empty();
        }
        Optional<Instant> until;
        try {
            until = invites.lastUsable(now);
        } catch (AtmosphereException e) {
            return Optional.empty();
        }
        String meshId = store.info().map(MeshStore.MeshInfo::meshId).orElse("");
        if (until.isEmpty() || meshId.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode t = lanTicket;
        if (t == null || t.path("expiresAt").asLong() != until.get().getEpochSecond() || !t.path("mesh").asText().equals(meshId)) {
            t = JoinTickets.create(identity, store, until.get(), false);
            lanTicket = t;
        }
        return Optional.of(new LanPresence.RelayWay(relays.get(0), Json.write(t)));
    }

    /** @return the address mDNS should use: {@code mesh.mdns-address}, else the mesh bind address, else the first LAN address */
    String lanAddress() {
        return settings.mdnsAddress().orElseGet(this::bindHost);
    }

    private String bindHost() {
        return settings.bind().equals("0.0.0.0") || settings.bind().equals("::") ? firstAddress() : settings.bind();
    }

    /**
     * @param rt the running mesh, or null
     * @return the port the mesh listens on, 0 when it does not run or is reached through relays only
     */
    static int listeningPort(MeshRuntime rt) {
        String e = rt == null ? "" : rt.endpoints().stream().filter(x -> !x.startsWith(MeshRuntime.RELAY_SCHEME)).findFirst().orElse("");
        if (e.isEmpty()) {
            return 0;
        }
        return Integer.parseInt(e.substring(e.lastIndexOf(':') + 1).replaceAll("/.*", ""));
    }

    /** @return the relays to use: {@code mesh.relays} and those the invite named */
    List<String> relays() {
        LinkedHashSet<String> all = new LinkedHashSet<>(settings.relays());
        try {
            if (store.info().isPresent()) {
                all.addAll(store.relays());
            }
        } catch (AtmosphereException e) {
            LOG.log(System.Logger.Level.WARNING, () -> e.getMessage() + " Using the relays in mesh.relays only.");
        }
        return List.copyOf(all);
    }

    /** @return the first IPv4 address of an interface that is up, not loopback and not virtual; loopback when there is none */
    private static String firstAddress() {
        try {
            for (var ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback() || ni.isVirtual()) {
                    continue;
                }
                for (var a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            // fall back to loopback
        }
        return "127.0.0.1";
    }
}
