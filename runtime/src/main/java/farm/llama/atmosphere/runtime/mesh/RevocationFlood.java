package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.CallFailedException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Spreads revocations and rosters of roles: each is checked against the mesh root, taken here,
 * and passed on to every live member but the one it came from — by flooding, so it arrives while
 * any path of members connects. Sends run off the receiving thread, on the runtime's executor.
 */
final class RevocationFlood {

    private static final System.Logger LOG = System.getLogger(RevocationFlood.class.getName());

    /** What flooding needs of the membership. */
    interface Members {
        /** @return the live members */
        List<String> live();

        /** @param node a node @return whether it is already expelled here */
        boolean expelled(String node);

        /** @param node a node whose revocation turned out void: it may come back */
        void pardon(String node);

        /** @param node a revoked node: dropped from the membership, its links closed */
        void expel(String node);

        /**
         * @param member a member
         * @param type the message type
         * @param payload the message
         * @throws CallFailedException if it cannot be reached now
         */
        void send(String member, String type, byte[] payload);
    }

    private final String self;
    private final X509Certificate root;
    private final Revocations revocations;
    private final Members members;
    private final MeshExtension extension;
    private final Executor background;

    RevocationFlood(String self, X509Certificate root, Revocations revocations, Members members, MeshExtension extension,
                    Executor background) {
        this.self = self;
        this.root = root;
        this.revocations = revocations;
        this.members = members;
        this.extension = extension;
        this.background = background;
    }

    /**
     * Takes a roster of roles if it is newer than this node's, lets back any node an admin's
     * revocation had cut off though the roster shows it was not the admin's to revoke, and passes
     * the roster on to every live member.
     *
     * @param roster a roster signed by the mesh key (this node's own, when it is the founder)
     * @param from who sent it (this node's id for its own)
     * @throws MeshSecurityException if it does not verify
     */
    void takeRoles(MeshRoles.Roster roster, String from) {
        long before = revocations.roles().current().map(MeshRoles.Roster::version).orElse(0L);
        List<String> pardoned = revocations.takeRoles(roster, root);
        if (!from.equals(self) && roster.version() < before) {
            pushRoles(from); // the sender lags: it gets this node's newer roster
        }
        if (!from.equals(self) && roster.version() <= before) {
            return;
        }
        for (String node : pardoned) {
            LOG.log(System.Logger.Level.WARNING, () -> "node " + node + " is the founder or an admin: an admin's revocation of it is void");
            members.pardon(node);
        }
        extension.rolesChanged(roster);
        byte[] payload = Json.write(roster).getBytes(StandardCharsets.UTF_8);
        for (String member : members.live()) {
            if (!member.equals(from) && !member.equals(self)) {
                sendRoles(member, payload);
            }
        }
    }

    /** Sends this node's roster of roles, if it holds one, to a member: opened now if need be, off the caller's thread. */
    void pushRoles(String member) {
        revocations.roles().current().ifPresent(r -> sendRoles(member, Json.write(r).getBytes(StandardCharsets.UTF_8)));
    }

    private void sendRoles(String member, byte[] roster) {
        flood(() -> {
            try {
                members.send(member, "roles", roster);
            } catch (CallFailedException | IllegalStateException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "could not pass the roster of roles to " + member + " now (" + e.getMessage()
                        + "); it gets it when it is next seen alive");
            }
        });
    }

    /**
     * Takes a revocation: stores it, expels the member here and passes it on.
     *
     * @param r a revocation signed by the founder or an admin
     * @param from who sent it (this node's id for its own)
     * @throws MeshSecurityException if it does not verify against the mesh root
     */
    void learn(Revocations.Revocation r, String from) {
        if (r.node().equals(self)) {
            revocations.accept(r, root);
            LOG.log(System.Logger.Level.WARNING, () -> "this node was revoked from the mesh by " + r.by());
            return;
        }
        boolean known;
        synchronized (revocations) {
            known = revocations.revoked().contains(r.node()) && members.expelled(r.node());
            if (!known) {
                revocations.accept(r, root);
            }
        }
        if (known) {
            return;
        }
        List<String> others = members.live();
        members.expel(r.node());
        extension.revoked(r.node());
        byte[] payload = Json.write(r).getBytes(StandardCharsets.UTF_8);
        for (String member : others) {
            if (!member.equals(from) && !member.equals(r.node())) {
                // not dropped like a probe: opened now if need be, off the thread that received it
                flood(() -> {
                    try {
                        members.send(member, "revocation", payload);
                    } catch (CallFailedException | IllegalStateException e) {
                        LOG.log(System.Logger.Level.INFO, () -> "could not pass the revocation of " + r.node() + " to " + member
                                + " now (" + e.getMessage() + "); the other members pass it on too");
                    }
                });
            }
        }
    }

    private void flood(Runnable send) {
        try {
            background.execute(send);
        } catch (RejectedExecutionException e) {
            // closed: nothing more is passed on
        }
    }
}
