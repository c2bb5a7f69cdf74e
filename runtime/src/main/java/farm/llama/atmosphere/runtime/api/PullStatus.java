package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where this node's last copy of a member's model file stands ({@code GET /api/v1/models/pull},
 * {@code model pull --status}): running, then done or failed.
 *
 * @param state the state
 * @param name the file as the member shares it (absent while idle)
 * @param from the member's node id
 * @param path where the copy goes
 * @param bytes bytes in place
 * @param total the file's size (0 until the member says)
 * @param percent bytes in place, in percent
 * @param present bytes that a partial copy already held and that matched
 * @param fetched bytes that travelled
 * @param badChunks chunks that arrived damaged and were fetched again
 * @param sha256 the whole file's hash, once done
 * @param registered how the file was registered with a local backend, once done
 * @param error why it failed
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record PullStatus(State state, Optional<String> name, Optional<String> from, Optional<String> path, Optional<Long> bytes,
                         Optional<Long> total, Optional<Integer> percent, Optional<Long> present, Optional<Long> fetched,
                         Optional<Integer> badChunks, Optional<String> sha256, Optional<String> registered, Optional<String> error) {

    /** The states of a pull. */
    public enum State {
        /** None since the node started. */
        IDLE,
        /** Copying. */
        RUNNING,
        /** Copied and checked. */
        DONE,
        /** Refused or failed; the error says why. */
        FAILED;

        /** @return its name on the wire */
        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The state before any pull. */
    public static final PullStatus IDLE = new PullStatus(State.IDLE, null, null, null, null, null, null, null, null, null, null, null, null);

    /** Validates; a missing optional is empty. */
    public PullStatus {
        Objects.requireNonNull(state, "state");
        name = orEmpty(name);
        from = orEmpty(from);
        path = orEmpty(path);
        bytes = orEmpty(bytes);
        total = orEmpty(total);
        percent = orEmpty(percent);
        present = orEmpty(present);
        fetched = orEmpty(fetched);
        badChunks = orEmpty(badChunks);
        sha256 = orEmpty(sha256);
        registered = orEmpty(registered);
        error = orEmpty(error);
    }

    private static <T> Optional<T> orEmpty(Optional<T> o) {
        return o == null ? Optional.empty() : o;
    }

    /** @return whether a pull is under way */
    public boolean running() {
        return state == State.RUNNING;
    }

    /**
     * @param file the file as the member shares it
     * @param member the member's node id
     * @param target where the copy goes
     * @return a pull that has started
     */
    public static PullStatus start(String file, String member, String target) {
        return new PullStatus(State.RUNNING, Optional.of(file), Optional.of(member), Optional.of(target), Optional.of(0L), Optional.of(0L),
                Optional.of(0), null, null, null, null, null, null);
    }

    /**
     * @param inPlace bytes in place
     * @param size the file's size
     * @param percentDone bytes in place, in percent
     * @param kept bytes a partial copy held that matched
     * @param travelled bytes that travelled
     * @param damaged chunks fetched again
     * @return the pull with that progress
     */
    public PullStatus progress(long inPlace, long size, int percentDone, long kept, long travelled, int damaged) {
        requireRunning();
        return new PullStatus(state, name, from, path, Optional.of(inPlace), Optional.of(size), Optional.of(percentDone), Optional.of(kept),
                Optional.of(travelled), Optional.of(damaged), sha256, registered, error);
    }

    /**
     * @param hash the whole file's SHA-256
     * @param registration how it was registered with a local backend
     * @return the pull, done
     */
    public PullStatus done(String hash, String registration) {
        requireRunning();
        return new PullStatus(State.DONE, name, from, path, bytes, total, Optional.of(100), present, fetched, badChunks, Optional.of(hash),
                Optional.of(registration), error);
    }

    /**
     * @param why why it failed
     * @return the pull, failed
     */
    public PullStatus failed(String why) {
        requireRunning();
        return new PullStatus(State.FAILED, name, from, path, bytes, total, percent, present, fetched, badChunks, sha256, registered,
                Optional.of(why));
    }

    private void requireRunning() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("no pull is running (it is " + state.wire() + ")");
        }
    }
}
