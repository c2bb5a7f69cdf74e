package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.spi.transport.Link;

/** What the node adds on top of membership: joins, profiles, events. Called on transport threads. */
public interface MeshExtension {
    /**
     * A frame that is not an envelope arrived (a join request from a node without a certificate).
     *
     * @param link the link it came on
     * @param frame the bytes
     */
    default void unauthenticated(Link link, byte[] frame) {
    }

    /**
     * A verified envelope of a type the membership protocol does not handle arrived.
     *
     * @param link the link it came on
     * @param message the verified envelope and its sender
     */
    default void message(Link link, EnvelopeVerifier.Verified message) {
    }

    /** @param member whose state changed, @param state its new state */
    default void stateChanged(String member, MemberState state) {
    }

    /**
     * A transport says a member can be reached now (it connected to a relay this node uses).
     *
     * @param member the member
     * @param endpoint where
     */
    default void reachable(String member, String endpoint) {
    }

    /** @param member whose capabilities changed, @param version the version now known */
    default void capabilitiesLearned(String member, long version) {
    }

    /** @param roster the newer roster of roles this node took (from a member, or its own as founder) */
    default void rolesChanged(MeshRoles.Roster roster) {
    }

    /** @param node a node this node learned is revoked (checked and stored) */
    default void revoked(String node) {
    }
}
