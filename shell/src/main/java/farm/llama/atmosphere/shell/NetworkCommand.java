package farm.llama.atmosphere.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere network}: what the node's networking looks like, for finding why a peer is unreachable. */
@Command(name = "network", mixinStandardHelpOptions = true,
        description = {"Local addresses, the mesh port and whether it accepts connections, mDNS, and for each member:",
                "its transport, address, measured round trip and whether its mesh port accepts a connection from here."})
final class NetworkCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Override
    public Integer call() {
        Map<String, Object> n = root.session.api().network();
        var out = root.session.out;
        if (json) {
            Output.json(out, n);
            return 0;
        }
        out.println("Addresses:");
        for (Object o : (List<?>) n.get("addresses")) {
            Map<?, ?> i = (Map<?, ?>) o;
            out.println("  " + i.get("interface") + (Boolean.TRUE.equals(i.get("loopback")) ? " (loopback)" : "")
                    + (Boolean.TRUE.equals(i.get("multicast")) ? "" : " (no multicast)") + ": " + String.join(", ", strings(i.get("addresses"))));
        }
        Map<?, ?> mesh = (Map<?, ?>) n.get("mesh");
        if (!Boolean.TRUE.equals(mesh.get("member"))) {
            out.println("Mesh: not in a mesh.");
        } else if (!Boolean.TRUE.equals(mesh.get("running"))) {
            out.println("Mesh: not running here ('atmosphere serve' starts it).");
        } else {
            out.println("Mesh port " + mesh.get("port") + ":");
            for (Object o : (List<?>) mesh.get("endpoints")) {
                Map<?, ?> e = (Map<?, ?>) o;
                out.println("  " + e.get("endpoint") + "  " + e.get("accepts"));
            }
        }
        Map<?, ?> mdns = (Map<?, ?>) n.get("mdns");
        out.println("mDNS: " + (!Boolean.TRUE.equals(mdns.get("enabled")) ? "off (mesh.mdns: false)"
                : Boolean.TRUE.equals(mdns.get("running")) ? "on " + mdns.get("address") + ", " + mdns.get("heard") + " node(s) heard"
                : "not running (it runs while the node serves)"));
        List<?> relays = (List<?>) n.getOrDefault("relays", List.of());
        if (!relays.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (Object o : relays) {
                Map<?, ?> r = (Map<?, ?>) o;
                Object error = r.get("error");
                rows.add(List.of(String.valueOf(r.get("url")), String.valueOf(r.get("state"))
                                + (error == null || String.valueOf(error).isEmpty() ? "" : " (" + error + ")"),
                        r.get("rttMs") == null ? "-" : r.get("rttMs") + " ms", r.get("members") == null ? "-" : String.valueOf(r.get("members"))));
            }
            Output.table(out, List.of("RELAY", "STATE", "RTT", "MEMBERS THERE"), rows);
        }
        List<?> peers = (List<?>) n.get("peers");
        if (!peers.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (Object o : peers) {
                Map<?, ?> p = (Map<?, ?>) o;
                rows.add(List.of(String.valueOf(p.get("nodeId")), String.valueOf(p.get("name")), String.valueOf(p.get("state")),
                        String.valueOf(p.get("transport")), String.valueOf(p.get("address")), String.valueOf(p.get("meshPort")),
                        p.get("rttMs") == null ? "-" : p.get("rttMs") + " ms"));
            }
            Output.table(out, List.of("PEER", "NAME", "STATE", "TRANSPORT", "ADDRESS", "PORT", "RTT"), rows);
            for (Object o : peers) {
                Map<?, ?> p = (Map<?, ?>) o;
                if (p.get("error") != null) {
                    out.println("! " + p.get("nodeId") + ": " + p.get("error"));
                }
            }
        }
        return 0;
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof Iterable<?> it) {
            it.forEach(x -> out.add(String.valueOf(x)));
        }
        return out;
    }
}
