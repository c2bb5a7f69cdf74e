package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.mesh.MeshStore;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code atmosphere mesh create|status|leave}. Joining, invites, admins and revocation come with the mesh transport. */
@Command(name = "mesh", mixinStandardHelpOptions = true, description = "Create, inspect and leave this node's mesh.")
final class MeshCommand {

    @ParentCommand
    RootCommand root;

    private MeshStore store() {
        return new MeshStore(root.session.dataDir());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a mesh with this node as its founder: a mesh key pair, the mesh root certificate and this node's membership.")
    int create(@Option(names = {"-n", "--name"}, required = true, paramLabel = "NAME", description = "The mesh's name.") String name,
               @Option(names = "--json", description = "Print one JSON document.") boolean json) {
        MeshStore.MeshInfo info = store().create(name);
        if (json) {
            Output.json(root.session.out, info);
        } else {
            root.session.out.println("Created mesh " + info.meshId() + " ('" + info.name() + "'); this node is its founder.");
            root.session.out.println("  The mesh key is in " + root.session.dataDir().path().resolve("mesh/mesh-key.json") + " (0600): back it up.");
        }
        return 0;
    }

    @Command(name = "invite", mixinStandardHelpOptions = true,
            description = {"Make a signed, expiring invite token (founder or admin) and its atmosphere://join/ link.",
                    "The token pins the mesh key; this node redeems one use per accepted join."})
    int invite(@Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "1h", description = "How long it lasts: 30m, 1h, PT2H (default ${DEFAULT-VALUE}, at most 7 days).") String ttl,
               @Option(names = "--uses", paramLabel = "N", defaultValue = "1", description = "How many joins it admits (default ${DEFAULT-VALUE}).") int uses,
               @Option(names = "--json", description = "Print one JSON document.") boolean json) {
        java.time.Duration d = farm.llama.atmosphere.runtime.config.Durations.parse(ttl).orElseThrow(() ->
                new AtmosphereException("--ttl: expected a duration such as 30m, 1h or PT2H, got '" + ttl + "'"));
        MeshStore store = store();
        farm.llama.atmosphere.runtime.Identity id = farm.llama.atmosphere.runtime.Identity.load(root.session.dataDir().identityFile());
        var invite = new farm.llama.atmosphere.runtime.mesh.Invites(store.dir()).create(id, store, d, uses, java.util.List.of());
        if (json) {
            Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("code", invite.code());
            doc.put("token", invite.token());
            doc.put("link", invite.link());
            doc.put("id", invite.id());
            doc.put("expiresAt", invite.expiresAt());
            doc.put("uses", invite.uses());
            Output.json(root.session.out, doc);
        } else {
            root.session.out.println("Invite " + invite.id() + " (" + invite.uses() + " use" + (invite.uses() == 1 ? "" : "s")
                    + ", expires " + invite.expiresAt() + "):");
            root.session.out.println(invite.link());
        }
        return 0;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show this node's mesh.")
    int status(@Option(names = "--json", description = "Print one JSON document.") boolean json) {
        Optional<MeshStore.MeshInfo> info = store().info();
        if (json) {
            Output.json(root.session.out, info.<Object>map(i -> i).orElse(Map.of("mesh", "none")));
            return 0;
        }
        if (info.isEmpty()) {
            root.session.out.println("Not in a mesh. 'atmosphere mesh create -n NAME' creates one.");
            return 0;
        }
        MeshStore.MeshInfo i = info.get();
        root.session.out.println("Mesh " + i.meshId() + " ('" + i.name() + "')");
        root.session.out.println("  role:        " + i.role());
        root.session.out.println("  since:       " + i.createdAt());
        root.session.out.println("  membership:  valid until " + i.certificateExpires());
        return 0;
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Revoke a member (founder): a revocation signed by the mesh key, stored under mesh/;",
                    "its certificate is refused from then on (gossip to the other members comes with the mesh transport)."})
    int revoke(@picocli.CommandLine.Parameters(paramLabel = "NODE_ID", description = "The member's node id.") String nodeId,
               @Option(names = "--json", description = "Print one JSON document.") boolean json) {
        MeshStore store = store();
        if (store.info().isEmpty()) {
            throw new AtmosphereException("This node is not in a mesh.");
        }
        if (!nodeId.matches("[0-9a-f]{16}")) {
            throw new AtmosphereException("A node id is 16 hex characters, got '" + nodeId + "'.");
        }
        var key = store.meshKey().orElseThrow(() -> new AtmosphereException("Only the founder (holder of the mesh key) can revoke from this node."));
        var r = new farm.llama.atmosphere.runtime.mesh.Revocations(store.dir()).revokeAsFounder(store.root(), key, nodeId);
        if (json) {
            Output.json(root.session.out, r);
        } else {
            root.session.out.println("Revoked " + nodeId + " at " + r.at() + ".");
        }
        return 0;
    }

    @Command(name = "leave", mixinStandardHelpOptions = true, description = "Remove this node's mesh state (its keys and certificates).")
    int leave() {
        Optional<MeshStore.MeshInfo> left = store().leave();
        if (left.isEmpty()) {
            throw new AtmosphereException("This node is not in a mesh.");
        }
        root.session.out.println("Left mesh " + left.get().meshId() + "; its local state is removed.");
        return 0;
    }
}
