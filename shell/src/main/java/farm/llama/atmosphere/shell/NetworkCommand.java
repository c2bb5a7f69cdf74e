package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.api.NetworkReport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere network}: what the node's networking looks like, for finding why a peer is unreachable. */
@Command(name = "network", mixinStandardHelpOptions = true,
        description = {"Local addresses, the mesh port and whether it accepts connections, mDNS, and for each member:",
                "its transport, address, measured round trip and whether its mesh port accepts a connection from here."})
final class NetworkCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        NetworkReport n = root.session.api().network();
        var out = root.session.out;
        if (json.on()) {
            Output.json(out, n);
            return 0;
        }
        out.println("Addresses:");
        for (NetworkReport.Interface i : n.addresses()) {
            out.println("  " + i.interfaceName() + (i.loopback() ? " (loopback)" : "") + (i.multicast() ? "" : " (no multicast)") + ": "
                    + String.join(", ", i.addresses()));
        }
        NetworkReport.Mesh mesh = n.mesh();
        if (!mesh.member()) {
            out.println("Mesh: not in a mesh.");
        } else if (!mesh.running()) {
            out.println("Mesh: not running here ('atmosphere serve' starts it).");
        } else {
            out.println("Mesh port " + mesh.port() + ":");
            for (NetworkReport.Endpoint e : mesh.endpoints()) {
                out.println("  " + e.endpoint() + "  " + e.accepts());
            }
        }
        NetworkReport.Mdns mdns = n.mdns();
        out.println("mDNS: " + (!mdns.enabled() ? "off (mesh.mdns: false)"
                : mdns.running() ? "on " + mdns.address() + ", " + mdns.heard() + " node(s) heard"
                : "not running (it runs while the node serves)"));
        if (!n.relays().isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (NetworkReport.Relay r : n.relays()) {
                String error = r.error();
                rows.add(List.of(r.url(), r.state() + (error == null || error.isEmpty() ? "" : " (" + error + ")"),
                        r.rttMs() == null ? "-" : r.rttMs() + " ms", r.members().map(String::valueOf).orElse("-")));
            }
            Output.table(out, List.of("RELAY", "STATE", "RTT", "MEMBERS THERE"), rows);
        }
        if (!n.peers().isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (NetworkReport.Peer p : n.peers()) {
                rows.add(List.of(p.nodeId(), p.name(), p.state(), p.transport(), p.address(), p.meshPort(), p.rttMs() == null ? "-" : p.rttMs() + " ms"));
            }
            Output.table(out, List.of("PEER", "NAME", "STATE", "TRANSPORT", "ADDRESS", "PORT", "RTT"), rows);
            for (NetworkReport.Peer p : n.peers()) {
                p.error().ifPresent(e -> out.println("! " + p.nodeId() + ": " + e));
            }
        }
        return 0;
    }
}
