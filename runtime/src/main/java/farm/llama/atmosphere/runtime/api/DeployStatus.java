package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where this node's last model deploy stands ({@code GET /api/v1/models/deploy}): running until
 * every target node is done or failed, then done, or failed if any failed.
 *
 * @param state the deploy's state
 * @param model the model deployed (absent while idle)
 * @param nodes each target node's progress, by node id (absent while idle)
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record DeployStatus(TaskState state, Optional<String> model, Optional<Map<String, NodeProgress>> nodes) {

    /** The states of one node's part. */
    public enum NodeState {
        /** Not started yet. */
        WAITING,
        /** Its backend is fetching the model. */
        PULLING,
        /** Fetched. */
        DONE,
        /** Refused or failed; the error says why. */
        FAILED;

        /** @return its name on the wire */
        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One node's progress.
     *
     * @param state its state
     * @param status the backend's last status line ({@code pulling manifest}, {@code success})
     * @param total bytes to fetch, when the backend says
     * @param completed bytes fetched, when the backend says
     * @param error why it failed
     */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record NodeProgress(NodeState state, String status, Optional<Long> total, Optional<Long> completed, Optional<String> error) {

        /** Validates. */
        public NodeProgress {
            Objects.requireNonNull(state, "state");
            status = status == null ? "" : status;
            total = Optionals.orEmpty(total);
            completed = Optionals.orEmpty(completed);
            error = Optionals.orEmpty(error);
        }

        /** A node that has not started. */
        public static final NodeProgress WAITING = new NodeProgress(NodeState.WAITING, "", Optional.empty(), Optional.empty(), Optional.empty());

        /** @return this node, pulling */
        public NodeProgress pulling() {
            return new NodeProgress(NodeState.PULLING, status, total, completed, error);
        }

        /**
         * @param line the backend's status line
         * @param bytes how many bytes there are to fetch, when the backend says
         * @param fetched how many are fetched, when the backend says
         * @return this node with that progress
         */
        public NodeProgress progress(String line, Optional<Long> bytes, Optional<Long> fetched) {
            return new NodeProgress(state, line, bytes.or(() -> total), fetched.or(() -> completed), error);
        }

        /** @return this node, done */
        public NodeProgress done() {
            return new NodeProgress(NodeState.DONE, status, total, completed, error);
        }

        /**
         * @param why why it failed
         * @return this node, failed
         */
        public NodeProgress failed(String why) {
            return new NodeProgress(NodeState.FAILED, status, total, completed, Optional.of(why));
        }
    }

    /** The state before any deploy. */
    public static final DeployStatus IDLE = new DeployStatus(TaskState.IDLE, Optional.empty(), Optional.empty());

    /** Validates and copies. */
    public DeployStatus {
        Objects.requireNonNull(state, "state");
        model = Optionals.orEmpty(model);
        nodes = Optionals.orEmpty(nodes).map(n -> Collections.unmodifiableMap(new LinkedHashMap<>(n)));
    }

    /**
     * @param deployed the model
     * @param targets the nodes that fetch it
     * @return a deploy that has started, every node waiting
     */
    public static DeployStatus start(String deployed, List<String> targets) {
        Map<String, NodeProgress> nodes = new LinkedHashMap<>();
        targets.forEach(n -> nodes.put(n, NodeProgress.WAITING));
        return new DeployStatus(TaskState.RUNNING, Optional.of(deployed), Optional.of(nodes));
    }

    /**
     * @param node a target node
     * @param change what happened to it
     * @return the deploy with that node's part changed
     */
    public DeployStatus with(String node, UnaryOperator<NodeProgress> change) {
        if (state != TaskState.RUNNING) {
            throw new IllegalStateException("the deploy is " + state.wire());
        }
        Map<String, NodeProgress> next = new LinkedHashMap<>(nodes.orElseThrow());
        next.computeIfPresent(node, (k, v) -> change.apply(v));
        return new DeployStatus(state, model, Optional.of(next));
    }

    /** @return the deploy, ended: failed if any node failed, else done */
    public DeployStatus end() {
        boolean failed = nodes.orElse(Map.of()).values().stream().anyMatch(p -> p.state() == NodeState.FAILED);
        return new DeployStatus(failed ? TaskState.FAILED : TaskState.DONE, model, nodes);
    }
}
