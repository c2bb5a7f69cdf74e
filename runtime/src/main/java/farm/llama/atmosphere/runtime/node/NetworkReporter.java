package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.api.NetworkReport;
import farm.llama.atmosphere.runtime.mesh.MeshRuntime;
import farm.llama.atmosphere.runtime.mesh.MeshService;
import farm.llama.atmosphere.runtime.mesh.TransportStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code atmosphere network}: this machine's addresses, the mesh port, relays, mDNS and each member's link, probed now. */
public final class NetworkReporter {

    private static final Pattern ENDPOINT = Pattern.compile("wss?://\\[?([^\\]/]+?)]?:(\\d+).*");
    /** How long a TCP probe of an endpoint waits. */
    private static final int PROBE_MILLIS = 1000;

    private final MeshService mesh;
    private final boolean mdnsEnabled;

    /**
     * @param mesh the mesh
     * @param mdnsEnabled {@code mesh.mdns}
     */
    public NetworkReporter(MeshService mesh, boolean mdnsEnabled) {
        this.mesh = mesh;
        this.mdnsEnabled = mdnsEnabled;
    }

    /** @return the report */
    public NetworkReport report() {
        List<NetworkReport.Interface> addresses = new ArrayList<>();
        Optional<String> addressesError = Optional.empty();
        try {
            for (var ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isUp()) {
                    addresses.add(new NetworkReport.Interface(ni.getName(), ni.isLoopback(), ni.supportsMulticast(),
                            Collections.list(ni.getInetAddresses()).stream().map(a -> a.getHostAddress().replaceAll("%.*", "")).toList()));
                }
            }
        } catch (SocketException e) {
            addressesError = Optional.of(String.valueOf(e.getMessage()));
        }
        List<NetworkReport.Endpoint> endpoints = mesh.endpoints().stream().map(e -> new NetworkReport.Endpoint(e, probe(e))).toList();
        List<TransportStatus> transports = mesh.transportStatus();
        NetworkReport.Mesh m = new NetworkReport.Mesh(mesh.store().info().isPresent(), mesh.running(), mesh.listeningPort(), endpoints,
                transports.stream().map(TransportStatus::type).toList());
        List<NetworkReport.Relay> relays = new ArrayList<>();
        transports.forEach(t -> relays.addAll(t.relays()));
        if (relays.isEmpty() && mesh.store().info().isPresent()) {
            for (String url : mesh.relays()) {
                relays.add(new NetworkReport.Relay(url, mesh.running() ? "no relay transport" : "not running", null, null, null, null, null));
            }
        }
        NetworkReport.Mdns mdns = new NetworkReport.Mdns(mdnsEnabled, mesh.lan().isPresent(), mesh.lanAddress(),
                mesh.lan().map(l -> l.nearby().size()).orElse(0));
        List<NetworkReport.Peer> peers = mesh.members().stream().filter(member -> !member.self())
                .map(member -> new NetworkReport.Peer(member.nodeId(), member.name(), member.state(), member.transport(), member.address(),
                        member.rttMs().orElse(null), probe(member.address()), member.error())).toList();
        return new NetworkReport(addresses, addressesError, m, relays, mdns, peers);
    }

    /**
     * @param endpoint a mesh endpoint
     * @return whether a {@code wss://host:port} endpoint accepts a TCP connection within a second:
     *         open, refused, timeout, unknown, or none for a {@code relay:} endpoint
     */
    static String probe(String endpoint) {
        if (endpoint.startsWith(MeshRuntime.RELAY_SCHEME)) {
            return "none (through relays)";
        }
        Matcher m = ENDPOINT.matcher(endpoint);
        if (!m.matches()) {
            return "unknown";
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))), PROBE_MILLIS);
            return "open";
        } catch (SocketTimeoutException e) {
            return "timeout";
        } catch (IOException e) {
            return "refused";
        }
    }
}
