package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.mesh.swim.SwimConfig;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.ConfigView;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code mesh.*} settings of a node.
 *
 * @param bind the address the mesh port binds
 * @param port the mesh port (11452)
 * @param advertise endpoints announced to the mesh; empty: the transport's own list
 * @param approval {@code auto} (a valid invite admits at once) or {@code manual} (every join waits for {@code approve})
 * @param transport the transport type to use
 * @param swim the membership protocol's timers
 * @param joinWait how long {@code mesh join} waits for an owner's approval
 * @param mdns whether this node advertises itself and listens on the LAN over mDNS
 * @param mdnsAddress the address mDNS uses, when set
 * @param transports the transports the node runs, in order of preference ({@code mesh.transports});
 *                   empty: the direct transport, and the relay when any relay is known
 * @param relays relays to keep a connection to ({@code mesh.relays}), besides those an invite named
 */
public record MeshSettings(String bind, int port, List<String> advertise, String approval, String transport,
                           SwimConfig swim, Duration joinWait, boolean mdns, Optional<String> mdnsAddress,
                           List<String> transports, List<String> relays) {

    /** Validates. */
    public MeshSettings {
        transports = List.copyOf(transports);
        relays = List.copyOf(relays);
        for (String r : relays) {
            URI uri;
            try {
                uri = new URI(r);
            } catch (URISyntaxException e) {
                throw new AtmosphereException("mesh.relays: '" + r + "' is not a URL (" + e.getReason() + "). Write ws://host:8765 or wss://host.");
            }
            if (!"ws".equals(uri.getScheme()) && !"wss".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new AtmosphereException("mesh.relays: '" + r + "' is not a relay URL. Write ws://host:8765 or wss://host.");
            }
        }
        for (String t : transports) {
            if (!t.matches("[a-z][a-z0-9-]*")) {
                throw new AtmosphereException("mesh.transports: '" + t + "' is not a transport type (websocket, relay).");
            }
        }
    }

    /**
     * @param knownRelays the relays this node knows (config and invite)
     * @return the transport types to run, in order of preference
     */
    public List<String> transportsToRun(List<String> knownRelays) {
        if (!transports.isEmpty()) {
            return transports;
        }
        return knownRelays.isEmpty() ? List.of(transport) : List.of(transport, "relay");
    }

    /**
     * @param mesh the {@code mesh} config subtree
     * @return the settings, defaults filled in
     * @throws AtmosphereException naming the key when a value is out of range
     */
    public static MeshSettings of(ConfigView mesh) {
        SwimConfig lan = SwimConfig.lan();
        Duration probe = mesh.duration("probe.interval").orElseThrow();
        Duration probeTimeout = mesh.duration("probe.timeout").orElse(probe.dividedBy(2));
        if (probeTimeout.compareTo(probe) >= 0) {
            throw new AtmosphereException("mesh.probe.timeout (" + probeTimeout + ") must be shorter than mesh.probe.interval (" + probe + ").");
        }
        long mult = mesh.number("suspicion.multiplier").orElseThrow();
        if (mult < 1 || mult > 20) {
            throw new AtmosphereException("mesh.suspicion.multiplier must be 1-20, got " + mult + ".");
        }
        SwimConfig swim = new SwimConfig(probe, probeTimeout, lan.indirectChecks(), (int) mult, lan.suspicionMaxMult(),
                mesh.duration("gossip.interval").orElseThrow(), lan.gossipFanout(), lan.retransmitMult(),
                mesh.duration("push-pull.interval").orElseThrow(), lan.maxPiggybackBytes());
        String approval = mesh.string("approval").orElseThrow().toLowerCase(Locale.ROOT);
        if (!approval.equals("auto") && !approval.equals("manual")) {
            throw new AtmosphereException("mesh.approval must be 'auto' or 'manual', got '" + approval + "'.");
        }
        long port = mesh.number("port").orElseThrow();
        return new MeshSettings(mesh.string("bind").orElseThrow(), (int) port, mesh.list("advertise"), approval,
                mesh.string("transport").orElseThrow(), swim, mesh.duration("join-wait").orElseThrow(),
                mesh.bool("mdns").orElseThrow(), mesh.string("mdns-address"), mesh.list("transports"), mesh.list("relays"));
    }
}
