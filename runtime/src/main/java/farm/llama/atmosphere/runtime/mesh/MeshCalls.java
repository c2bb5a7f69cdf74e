package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.mesh.swim.MemberState;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.FailureKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What this node asks of other members, and serves them in turn: tools, agents, model deploys and
 * file pulls. Every call goes to a live member only, and fails fast with the reason otherwise.
 */
public final class MeshCalls {

    private final String nodeId;
    private final Supplier<MeshRuntime> runtime;
    private final MeshForwarding forwarding;
    private final FileTransfer files;

    /**
     * @param nodeId this node
     * @param runtime the running mesh, or null
     */
    MeshCalls(String nodeId, Supplier<MeshRuntime> runtime) {
        this.nodeId = nodeId;
        this.runtime = runtime;
        this.forwarding = new MeshForwarding(nodeId, this::sendReliably);
        this.files = new FileTransfer(this::sendReliably);
    }

    private void sendReliably(String to, String type, byte[] payload) {
        MeshRuntime rt = runtime.get();
        if (rt == null) {
            throw new CallFailedException(FailureKind.UNREACHABLE, "the mesh is not running");
        }
        rt.sendReliably(to, type, payload);
    }

    /** @return requests forwarded to and from members */
    MeshForwarding forwarding() {
        return forwarding;
    }

    /** @return files copied to and from members */
    FileTransfer files() {
        return files;
    }

    /**
     * @param type a message type
     * @return whether calls handle it
     */
    static boolean handles(String type) {
        return MeshForwarding.handles(type) || FileTransfer.handles(type);
    }

    /**
     * A member's request or answer.
     *
     * @param sender the member
     * @param type its type ({@link #handles})
     * @param payload its payload
     */
    void message(String sender, String type, byte[] payload) {
        if (MeshForwarding.handles(type)) {
            forwarding.message(sender, type, payload);
        } else {
            files.message(sender, type, payload);
        }
    }

    /** @param member a member that died or left: what waits on it fails now */
    void lost(String member) {
        forwarding.lost(member);
        files.lost(member);
    }

    /** @param policy what this node offers the mesh, enforced on what members ask of it */
    void policy(SharingPolicy policy) {
        forwarding.policy(policy);
        files.policy(policy);
    }

    /** @return file transfers' counters */
    Map<String, Long> fileStats() {
        return files.stats();
    }

    /**
     * @param serving runs a request another member forwarded here, on this node's own backends
     */
    public void serving(MeshForwarding.LocalServing serving) {
        forwarding.serving(serving);
    }

    /**
     * Has a member's backend fetch a model (the member checks tools.grants for models:deploy).
     *
     * @param nodeId the member
     * @param model the model
     * @param progress told each progress report
     */
    public void deploy(String nodeId, String model, Consumer<JsonNode> progress) {
        MeshRuntime rt = runtime.get();
        if (rt == null) {
            throw new AtmosphereException("The mesh is not running here; start the node with 'atmosphere serve'.");
        }
        MemberState state = rt.members().get(nodeId);
        if (state != MemberState.ALIVE && state != MemberState.SUSPECT) {
            throw new AtmosphereException("Node " + nodeId + " is not a live member. 'atmosphere mesh members' lists them.");
        }
        forwarding.deploy(nodeId, model, progress);
    }

    /** @return the live members other than this node */
    public List<String> liveMembers() {
        MeshRuntime rt = runtime.get();
        if (rt == null) {
            return List.of();
        }
        return rt.members().entrySet().stream()
                .filter(e -> !e.getKey().equals(nodeId) && (e.getValue() == MemberState.ALIVE || e.getValue() == MemberState.SUSPECT))
                .map(Map.Entry::getKey).sorted().toList();
    }

    /**
     * Runs a tool on another member for a caller; the member checks its tools.grants for this node's
     * id and for the node the call began on (and {@code trigger} for a trigger).
     *
     * @param nodeId the member
     * @param name the tool
     * @param argumentsJson its parameters
     * @param caller whom this node asks for
     * @return the result as JSON text
     */
    public String runTool(String nodeId, String name, String argumentsJson, Caller caller) {
        requireLive(nodeId);
        // the member enforces the tool's own timeout; this wait only covers a member that vanishes
        return forwarding.runTool(nodeId, name, argumentsJson, Duration.ofMinutes(5), caller);
    }

    /** @throws CallFailedException UNREACHABLE unless the mesh runs here and the node is a live member */
    private void requireLive(String nodeId) {
        MeshRuntime rt = runtime.get();
        if (rt == null) {
            throw new AtmosphereException("The mesh is not running here; start the node with 'atmosphere serve'.");
        }
        MemberState state = rt.members().get(nodeId);
        if (state != MemberState.ALIVE && state != MemberState.SUSPECT) {
            throw new CallFailedException(FailureKind.UNREACHABLE,
                    "Node " + nodeId + " is not a live member. 'atmosphere mesh members' lists them.");
        }
    }

    /** @param shares the files this node serves to members that pull them */
    public void shares(FileTransfer.Shares shares) {
        files.shares(shares);
    }

    /**
     * Copies a file a member shares (a model file) into {@code target}, resuming a partial copy.
     *
     * @param nodeId the member
     * @param name the name it shares the file under
     * @param target the finished file's path
     * @param maxBytesPerSecond pace, 0 for none
     * @param progress told as chunks arrive
     * @return the final progress
     */
    public FileTransfer.Progress pullFile(String nodeId, String name, Path target, long maxBytesPerSecond,
                                          Consumer<FileTransfer.Progress> progress) {
        requireLive(nodeId);
        return files.pull(nodeId, name, target, maxBytesPerSecond, progress);
    }

    /**
     * Sends an intent to an agent of a type on a member (the member spawns one when it has none idle).
     *
     * @param nodeId the member
     * @param type the agent type
     * @param intent what to do
     * @param argsJson extra arguments, a JSON object
     * @param caller whom this node asks for (the member judges the intent by its grants and this node's)
     * @return the member's answer: {@code {agent, text, json, steps, ...}} as JSON text
     */
    public String invokeAgent(String nodeId, String type, String intent, String argsJson, Caller caller) {
        requireLive(nodeId);
        // an agent's loop may take many model turns; the member bounds it by its step limit
        return forwarding.invokeAgent(nodeId, type, intent, argsJson, Duration.ofMinutes(10), caller);
    }
}
