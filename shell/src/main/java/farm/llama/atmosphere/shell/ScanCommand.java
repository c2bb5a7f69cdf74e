package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.api.BackendReport;
import farm.llama.atmosphere.runtime.api.NearbyNode;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere scan}: probe for backends now and print what they offer. */
@Command(name = "scan", mixinStandardHelpOptions = true,
        description = {"Probe for AI backends now (configured ones and the default ports on this machine) and print their models,",
                "and list the Atmosphere nodes heard on this network (mDNS)."})
final class ScanCommand implements Callable<Integer> {

    @ParentCommand
    RootCommand root;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        if (!json.on()) {
            root.session.out.println("Scanning for backends...");
            root.session.out.flush();
        }
        var api = root.session.api();
        List<BackendReport> backends = api.scan();
        List<Capability> caps = api.capabilities();
        List<NearbyNode> nearby = api.nearby();
        if (json.on()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("backends", backends);
            doc.put("capabilities", caps);
            doc.put("nearby", nearby);
            Output.json(root.session.out, doc);
            return 0;
        }
        BackendsCommand.print(root.session.out, backends);
        if (!caps.isEmpty()) {
            root.session.out.println();
            List<List<String>> rows = new ArrayList<>();
            for (Capability c : caps) {
                rows.add(List.of(c.name(), c.type(), String.join(",", c.tags()), c.metadata().getOrDefault("backend", "")));
            }
            Output.table(root.session.out, List.of("MODEL", "TYPE", "TAGS", "BACKEND"), rows);
        }
        root.session.out.println();
        if (nearby.isEmpty()) {
            root.session.out.println("No other Atmosphere node heard on this network (mDNS).");
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (NearbyNode n : nearby) {
                rows.add(List.of(n.nodeId(), n.name(), n.meshId().isEmpty() ? "-" : n.meshId(), n.host() + ":" + n.meshPort()));
            }
            Output.table(root.session.out, List.of("NEARBY NODE", "NAME", "MESH", "MESH ENDPOINT"), rows);
        }
        return 0;
    }
}
