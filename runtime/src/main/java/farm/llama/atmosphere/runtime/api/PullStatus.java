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
public record PullStatus(TaskState state, Optional<String> name, Optional<String> from, Optional<String> path, Optional<Long> bytes,
                         Optional<Long> total, Optional<Integer> percent, Optional<Long> present, Optional<Long> fetched,
                         Optional<Integer> badChunks, Optional<String> sha256, Optional<String> registered, Optional<String> error) {

    /** The state before any pull. */
    public static final PullStatus IDLE = new PullStatus(TaskState.IDLE, null, null, null, null, null, null, null, null, null, null, null, null);

    /** Validates; a missing optional is empty. */
    public PullStatus {
        Objects.requireNonNull(state, "state");
        name = Optionals.orEmpty(name);
        from = Optionals.orEmpty(from);
        path = Optionals.orEmpty(path);
        bytes = Optionals.orEmpty(bytes);
        total = Optionals.orEmpty(total);
        percent = Optionals.orEmpty(percent);
        present = Optionals.orEmpty(present);
        fetched = Optionals.orEmpty(fetched);
        badChunks = Optionals.orEmpty(badChunks);
        sha256 = Optionals.orEmpty(sha256);
        registered = Optionals.orEmpty(registered);
        error = Optionals.orEmpty(error);
    }

    /** @return whether a pull is under way */
    public boolean running() {
        return state == TaskState.RUNNING;
    }

    /**
     * @param file the file as the member shares it
     * @param member the member's node id
     * @param target where the copy goes
     * @return a pull that has started
     */
    public static PullStatus start(String file, String member, String target) {
        return new PullStatus(TaskState.RUNNING, Optional.of(file), Optional.of(member), Optional.of(target), Optional.of(0L), Optional.of(0L),
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
        return new PullStatus(TaskState.DONE, name, from, path, bytes, total, Optional.of(100), present, fetched, badChunks, Optional.of(hash),
                Optional.of(registration), error);
    }

    /**
     * @param why why it failed
     * @return the pull, failed
     */
    public PullStatus failed(String why) {
        requireRunning();
        return new PullStatus(TaskState.FAILED, name, from, path, bytes, total, percent, present, fetched, badChunks, sha256, registered,
                Optional.of(why));
    }

    private void requireRunning() {
        if (state != TaskState.RUNNING) {
            throw new IllegalStateException("no pull is running (it is " + state.wire() + ")");
        }
    }
}
