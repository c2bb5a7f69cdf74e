package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.NodeApi;
import farm.llama.atmosphere.runtime.api.AdminChange;
import farm.llama.atmosphere.runtime.api.Invite;
import farm.llama.atmosphere.runtime.api.JoinDecision;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.api.MeshLeft;
import farm.llama.atmosphere.runtime.api.MeshMember;
import farm.llama.atmosphere.runtime.api.MeshMembership;
import farm.llama.atmosphere.runtime.api.MeshReport;
import farm.llama.atmosphere.runtime.api.PendingJoin;
import farm.llama.atmosphere.runtime.api.RevocationReport;
import farm.llama.atmosphere.runtime.config.Durations;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code atmosphere mesh create|invite|join|status|members|revoke|leave}. Each goes to the node
 * serving the data dir when there is one (so the running mesh sees it at once), and works on the
 * data dir directly otherwise.
 */
@Command(name = "mesh", mixinStandardHelpOptions = true, description = "Create, join, inspect and leave this node's mesh.")
final class MeshCommand {

    @ParentCommand
    RootCommand root;

    private NodeApi api() {
        return root.session.api();
    }

    private PrintWriter out() {
        return root.session.out;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a mesh with this node as its founder: a mesh key pair, the mesh root certificate and this node's membership.")
    int create(@Option(names = {"-n", "--name"}, required = true, paramLabel = "NAME", description = "The mesh's name.") String name,
               @Mixin JsonOption json) {
        MeshMembership info = api().meshCreate(name);
        if (json.on()) {
            Output.json(out(), info);
        } else {
            out().println("Created mesh " + info.meshId() + " ('" + info.name() + "'); this node is its founder.");
            out().println("  The mesh key is in " + root.session.dataDir().path().resolve("mesh/mesh-key.json") + " (0600): back it up.");
            out().println("  Next: 'atmosphere mesh invite' on this node, then 'atmosphere mesh join TOKEN' on another device.");
        }
        return 0;
    }

    @Command(name = "invite", mixinStandardHelpOptions = true,
            description = {"Make a signed, expiring invite (founder) with this node's mesh endpoints and an atmosphere://join/ link.",
                    "The token pins the mesh key; this node spends one use per accepted join."})
    int invite(@Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "1h", description = "How long it lasts: 30m, 1h, PT2H (default ${DEFAULT-VALUE}, at most 7 days).") String ttl,
               @Option(names = "--uses", paramLabel = "N", defaultValue = "1", description = "How many joins it admits (default ${DEFAULT-VALUE}).") int uses,
               @Option(names = "--json", description = "Print one JSON document: code, token, link.") boolean json) {
        Duration d = Durations.parse(ttl).orElseThrow(() ->
                new AtmosphereException("--ttl: expected a duration such as 30m, 1h or PT2H, got '" + ttl + "'"));
        Invite invite = api().meshInvite(d, uses);
        if (json) {
            Output.json(out(), invite);
        } else {
            int n = invite.uses();
            out().println("Invite " + invite.id() + " (" + n + " use" + (n == 1 ? "" : "s") + ", expires " + invite.expiresAt() + "):");
            out().println(invite.link());
            out().println("On the other device: atmosphere mesh join '" + invite.link() + "'");
            if (invite.code() != null) {
                out().println("On the same network, the short code is enough: atmosphere mesh join " + invite.code());
            }
            invite.note().ifPresent(note -> out().println("Note: " + note + "."));
        }
        return 0;
    }

    @Command(name = "join", mixinStandardHelpOptions = true,
            description = {"Join a mesh: TARGET is an invite (token or atmosphere://join/ link), its short code (XXXX-XXXX-XXXX, found",
                    "on the LAN over mDNS), or HOST:PORT of a member's mesh port.",
                    "Without an invite the owner must approve ('atmosphere approve NODE_ID' on their node); this command waits."})
    int join(@Parameters(paramLabel = "TARGET", description = "An invite token or link, a short code, or host:port.") String target,
             @Option(names = "--json", description = "Print one JSON document at the end.") boolean json) throws InterruptedException {
        NodeApi api = api();
        JoinStatus s = api.meshJoin(target);
        String shown = "";
        while (true) {
            JoinStatus.State state = s.state();
            String message = s.message().orElse("");
            if (!json && !message.equals(shown) && state != JoinStatus.State.JOINED && state != JoinStatus.State.FAILED) {
                out().println(message);
                out().flush();
                shown = message;
            }
            if (state == JoinStatus.State.JOINED) {
                if (json) {
                    Output.json(out(), s);
                } else {
                    out().println(message);
                }
                return 0;
            }
            if (state == JoinStatus.State.FAILED) {
                throw new AtmosphereException(message);
            }
            Thread.sleep(200);
            s = api.meshJoinStatus();
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show this node's mesh.")
    int status(@Mixin JsonOption json) {
        MeshReport m = api().mesh();
        if (json.on()) {
            Output.json(out(), m);
            return 0;
        }
        if (!m.member()) {
            out().println("Not in a mesh. 'atmosphere mesh create -n NAME' creates one; 'atmosphere mesh join TARGET' joins one.");
            return 0;
        }
        out().println("Mesh " + m.meshId().orElse("") + " ('" + m.name().orElse("") + "')");
        out().println("  role:        " + m.role().orElse(""));
        out().println("  since:       " + m.createdAt().orElse(""));
        out().println("  membership:  valid until " + m.certificateExpires().orElse(""));
        if (m.runs()) {
            out().println("  members:     " + m.alive().orElse(0L) + " alive of " + m.members().orElse(0) + " known");
            out().println("  listening:   " + m.endpoints().orElse(List.of()));
        } else {
            out().println("  mesh port:   " + m.problem().map(p -> "offline: " + p).orElse("closed (start the node with 'atmosphere serve')"));
        }
        return 0;
    }

    @Command(name = "members", mixinStandardHelpOptions = true, description = "List the mesh's members as this node sees them.")
    int members(@Mixin JsonOption json) {
        List<MeshMember> members = api().meshMembers();
        if (json.on()) {
            Output.json(out(), Map.of("members", members));
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (MeshMember m : members) {
            rows.add(List.of(m.nodeId() + (m.self() ? "*" : ""), m.name(), m.state(), m.role(), m.address(), m.transport(),
                    ago(m.lastSeen()), String.valueOf(m.capabilityCount())));
        }
        Output.table(out(), List.of("NODE", "NAME", "STATE", "ROLE", "ADDRESS", "TRANSPORT", "LAST SEEN", "CAPABILITIES"), rows);
        out().println("* this node");
        for (MeshMember m : members) {
            m.error().ifPresent(e -> out().println("! " + m.nodeId() + ": " + e));
            if ("reissue-pending".equals(m.certificate())) {
                out().println("! " + m.nodeId() + ": its certificate was signed by " + m.admittedBy()
                        + ", whose admin role was removed; it is re-issued on next contact");
            } else if ("cut-off".equals(m.certificate())) {
                out().println("! " + m.nodeId() + ": cut off — its certificate was signed by " + m.admittedBy()
                        + ", since revoked; 'atmosphere approve " + m.nodeId() + "' re-admits it once it asks");
            }
        }
        return 0;
    }

    private static String ago(String iso) {
        if (iso == null) {
            return "never";
        }
        long s = Math.max(0, Duration.between(Instant.parse(iso), Instant.now()).toSeconds());
        return s < 2 ? "now" : Output.duration(s) + " ago";
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Revoke a member (founder or admin): a signed revocation, gossiped to every member;",
                    "the node is cut off everywhere and cannot rejoin with an old invite. Only the founder can revoke an admin.",
                    "A node that admitted members takes them with it (they ask to be re-admitted): that needs --yes."})
    int revoke(@Parameters(paramLabel = "NODE_ID", description = "The member's node id.") String nodeId,
               @Option(names = "--yes", description = "Revoke even a node that admitted members: they are cut off with it.") boolean yes,
               @Mixin JsonOption json) {
        RevocationReport r = api().meshRevoke(nodeId, yes);
        if (json.on()) {
            Output.json(out(), r);
        } else {
            out().println("Revoked " + nodeId + " at " + r.at() + (r.spread()
                    ? "; the revocation is spreading through the mesh." : "; it spreads when this node serves."));
            if (!r.cutOff().isEmpty()) {
                out().println("Cut off with it (they ask to be re-admitted; 'atmosphere approve' lists them): "
                        + String.join(", ", r.cutOff()) + ".");
            }
        }
        return 0;
    }

    @Command(name = "admin", mixinStandardHelpOptions = true,
            description = {"Make a member an admin (founder): an intermediate certificate for its key, path length 0.",
                    "Admins invite, approve and revoke, so the mesh admits members while the founder's device is off.",
                    "--remove takes the role back from now on (signed by the mesh key, effective even while the admin is off):",
                    "it stays a member, and the members it admitted get new certificates from the founder on next contact.",
                    "Revoke an admin you no longer trust: that also cuts off the members it admitted."})
    int admin(@Parameters(paramLabel = "NODE_ID", description = "A live member's node id (an admin's, with --remove).") String nodeId,
              @Option(names = "--remove", description = "Take the admin role back.") boolean remove,
              @Mixin JsonOption json) {
        AdminChange r = api().meshAdmin(nodeId, remove);
        if (json.on()) {
            Output.json(out(), r);
        } else {
            if (remove) {
                List<String> reissued = r.reissued().orElse(List.of());
                out().println("Removed the admin role of " + nodeId + " from " + r.retiredAt().orElse("") + "; it stays a member."
                        + (reissued.isEmpty() ? "" : " The certificates of the " + reissued.size() + " member" + (reissued.size() == 1 ? "" : "s")
                        + " it admitted are re-issued on next contact."));
            } else {
                out().println(nodeId + " is an admin until " + r.expires().orElse("") + ".");
            }
        }
        return 0;
    }

    @Command(name = "leave", mixinStandardHelpOptions = true, description = "Tell the members this node leaves, then remove its mesh state (keys and certificates).")
    int leave() {
        MeshLeft left = api().meshLeave();
        out().println("Left mesh " + left.meshId() + "; its local state is removed.");
        return 0;
    }

    /** {@code atmosphere approve [NODE_ID] [--deny]}. */
    @Command(name = "approve", mixinStandardHelpOptions = true,
            description = {"List join requests waiting for approval, or approve one (--deny refuses it).",
                    "Runs against the serving node."})
    static final class Approve implements Callable<Integer> {
        @ParentCommand
        RootCommand root;

        @Parameters(paramLabel = "NODE_ID", arity = "0..1", description = "The joiner's node id.")
        String nodeId;

        @Option(names = "--deny", description = "Refuse the request.")
        boolean deny;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            NodeApi api = root.session.remote().map(NodeApi.class::cast).orElseThrow(() ->
                    new AtmosphereException("No node is serving " + root.session.dataDir().path()
                            + ". Join requests arrive at a serving node: start it with 'atmosphere serve'."));
            if (nodeId == null) {
                List<PendingJoin> pending = api.meshPending();
                if (json.on()) {
                    Output.json(root.session.out, Map.of("pending", pending));
                } else if (pending.isEmpty()) {
                    root.session.out.println("No join requests are waiting.");
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    for (PendingJoin p : pending) {
                        rows.add(List.of(p.nodeId(), p.name(), p.endpoint(), p.invite().isEmpty() ? "(none)" : p.invite(), p.at()));
                    }
                    Output.table(root.session.out, List.of("NODE", "NAME", "ENDPOINT", "INVITE", "ASKED AT"), rows);
                    root.session.out.println("'atmosphere approve NODE_ID' admits one; '--deny' refuses it.");
                }
                return 0;
            }
            JoinDecision d = api.meshDecide(nodeId, deny);
            if (json.on()) {
                Output.json(root.session.out, d);
            } else {
                root.session.out.println((deny ? "Denied " : "Approved ") + d.nodeId() + " ('" + d.name() + "').");
            }
            return 0;
        }
    }
}
