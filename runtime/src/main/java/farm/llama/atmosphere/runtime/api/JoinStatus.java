package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where this node's last join stands ({@code GET /api/v1/mesh/join}, {@code mesh join --json}).
 * Its transitions are the methods below: idle or ended → joining → (pending →) joined or failed.
 *
 * @param state the state
 * @param message what is happening, for people
 * @param meshId the mesh joined, once joined
 * @param name its name, once joined
 * @param via the member that admitted this node, once joined
 * @param members how many members this node knew when it joined
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record JoinStatus(State state, Optional<String> message, Optional<String> meshId, Optional<String> name,
                         Optional<String> via, Optional<Integer> members) {

    /** The states of a join. */
    public enum State {
        /** No join since the node started, or the mesh was left. */
        IDLE,
        /** Talking to the issuer. */
        JOINING,
        /** Waiting for the owner to approve. */
        PENDING,
        /** A member now. */
        JOINED,
        /** Refused or unreachable; the message says which. */
        FAILED;

        /** @return its name on the wire */
        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The state of a node that has not joined since it started. */
    public static final JoinStatus IDLE = new JoinStatus(State.IDLE, Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());

    /** Validates. */
    public JoinStatus {
        Objects.requireNonNull(state, "state");
        message = Optionals.orEmpty(message);
        meshId = Optionals.orEmpty(meshId);
        name = Optionals.orEmpty(name);
        via = Optionals.orEmpty(via);
        members = Optionals.orEmpty(members);
    }

    /** @return whether a join is under way (joining or pending) */
    public boolean inProgress() {
        return state == State.JOINING || state == State.PENDING;
    }

    /** @return a join that has just started */
    public JoinStatus start() {
        if (inProgress()) {
            throw new IllegalStateException("a join is already " + state.wire());
        }
        return new JoinStatus(State.JOINING, Optional.of("Connecting..."), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /**
     * @param line what the joiner says now
     * @param waiting whether it now waits for the owner's approval
     * @return the join with that news
     */
    public JoinStatus progress(String line, boolean waiting) {
        requireInProgress();
        return new JoinStatus(waiting ? State.PENDING : state, Optional.of(line), meshId, name, via, members);
    }

    /**
     * @param joinedMesh the mesh's id
     * @param meshName its name
     * @param through the member that admitted this node
     * @param known how many members this node knows
     * @return the join, done
     */
    public JoinStatus joined(String joinedMesh, String meshName, String through, int known) {
        requireInProgress();
        String message = "Joined mesh " + joinedMesh + " ('" + meshName + "') through " + through + "; " + known + " member"
                + (known == 1 ? "" : "s") + " known.";
        return new JoinStatus(State.JOINED, Optional.of(message), Optional.of(joinedMesh), Optional.of(meshName), Optional.of(through),
                Optional.of(known));
    }

    /**
     * @param why why it failed
     * @return the join, failed
     */
    public JoinStatus failed(String why) {
        requireInProgress();
        return new JoinStatus(State.FAILED, Optional.of(why), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    private void requireInProgress() {
        if (!inProgress()) {
            throw new IllegalStateException("no join is under way (it is " + state.wire() + ")");
        }
    }
}
