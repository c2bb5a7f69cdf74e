package farm.llama.atmosphere.runtime;

import farm.llama.atmosphere.runtime.api.AdminChange;
import farm.llama.atmosphere.runtime.api.AgentAnswer;
import farm.llama.atmosphere.runtime.api.AgentReport;
import farm.llama.atmosphere.runtime.api.AgentTypeReport;
import farm.llama.atmosphere.runtime.api.AgentTypes;
import farm.llama.atmosphere.runtime.api.BackendReport;
import farm.llama.atmosphere.runtime.api.CostReport;
import farm.llama.atmosphere.runtime.api.DeployStatus;
import farm.llama.atmosphere.runtime.api.Invite;
import farm.llama.atmosphere.runtime.api.JoinDecision;
import farm.llama.atmosphere.runtime.api.JoinStatus;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.api.MeshLeft;
import farm.llama.atmosphere.runtime.api.MeshMember;
import farm.llama.atmosphere.runtime.api.MeshMembership;
import farm.llama.atmosphere.runtime.api.MeshReport;
import farm.llama.atmosphere.runtime.api.ModelEntry;
import farm.llama.atmosphere.runtime.api.NearbyNode;
import farm.llama.atmosphere.runtime.api.NetworkReport;
import farm.llama.atmosphere.runtime.api.PendingJoin;
import farm.llama.atmosphere.runtime.api.PluginReport;
import farm.llama.atmosphere.runtime.api.PolicyReport;
import farm.llama.atmosphere.runtime.api.PullStatus;
import farm.llama.atmosphere.runtime.api.RevocationReport;
import farm.llama.atmosphere.runtime.api.StatusReport;
import farm.llama.atmosphere.runtime.api.ToolReport;
import farm.llama.atmosphere.runtime.api.TriggerFired;
import farm.llama.atmosphere.runtime.api.TriggerReport;
import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.node.Node;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the CLI can ask of a node. Implemented by {@link Node} in-process (when no node is
 * serving the data dir) and by {@link NodeClient} over the HTTP API (when one is), so every
 * command behaves the same either way.
 */
public interface NodeApi {

    /** @return the node's status */
    StatusReport status();

    /** @return every plugin, including failed ones */
    List<PluginReport> plugins();

    /**
     * @param id plugin id
     * @return its report after enabling; persists
     */
    PluginReport enablePlugin(String id);

    /**
     * @param id plugin id
     * @return its report after disabling; persists
     */
    PluginReport disablePlugin(String id);

    /**
     * @param id a plugin, or empty for all
     * @return every plugin after the reload
     */
    List<PluginReport> reloadPlugins(Optional<String> id);

    /** @return every tool */
    List<ToolReport> tools();

    /**
     * @param name tool name
     * @return the tool
     * @throws CallFailedException NOT_FOUND if there is none
     */
    ToolReport tool(String name);

    /**
     * @param name tool name
     * @param argumentsJson a JSON object
     * @return the result as JSON text
     * @throws CallFailedException on failure, with its kind
     */
    String runTool(String name, String argumentsJson);

    /** @return every backend found, up or down */
    List<BackendReport> backends();

    /** @return every backend after probing them all now */
    List<BackendReport> scan();

    /**
     * @return the Atmosphere nodes heard on the LAN over mDNS: nodeId, name, meshId, host, meshPort,
     *         apiPort, lastSeen (a node that is not serving listens for a few seconds)
     */
    List<NearbyNode> nearby();

    /** @return the capabilities of the backends that are up */
    List<Capability> capabilities();

    /**
     * Explains where a request would go; executes nothing.
     *
     * @param intent the request's meaning
     * @param model a model name, or empty for {@code auto}
     * @param vision whether it carries an image
     * @return the decision with score terms and runners-up
     */
    RouteDecision route(String intent, Optional<String> model, boolean vision);

    /**
     * Teaches the router that an intent belongs to a task (it went to the wrong kind of model).
     *
     * @param intent the intent
     * @param task the right task ({@code code}) or the type that serves it first ({@code llm/code})
     * @return what was learned and where the intent goes now
     */
    farm.llama.atmosphere.runtime.RouteFeedback routeFeedback(String intent, String task);

    /** @return this node's cost factors */
    CostReport cost();

    /**
     * @return the mesh this node belongs to, as stored on disk: {@code member} is false when it
     *     belongs to none; otherwise its id, name, this node's role, when the membership
     *     certificate expires and the revoked node ids
     */
    MeshReport mesh();

    /**
     * Runs a routed chat and streams its text.
     *
     * @param requestJson an OpenAI chat request ({@code model} may be {@code auto})
     * @param onText receives each piece of text as it arrives
     * @return the route that served it
     */
    String chat(String requestJson, Consumer<String> onText);

    /** @param name the mesh's name @return the mesh created, this node its founder */
    MeshMembership meshCreate(String name);

    /** @param ttl how long it lasts @param uses how many joins it admits @return code, token, link, id, expiresAt, uses */
    Invite meshInvite(Duration ttl, int uses);

    /**
     * Starts joining a mesh in the background; {@link #meshJoinStatus()} follows it.
     *
     * @param target an invite token or link, or host:port of a member's mesh port
     * @return the join's state: joining, pending, joined or failed, with a message
     */
    JoinStatus meshJoin(String target);

    /** @return the state of the last join */
    JoinStatus meshJoinStatus();

    /** @return every member this node knows, itself first: nodeId, name, state, address, transport, lastSeen, capabilityCount */
    List<MeshMember> meshMembers();

    /** @return mesh counters: messages (accepted, refused by reason), links (refused at TLS), joins */
    Map<String, Map<String, Long>> meshStats();

    /** @return joins waiting for approval */
    List<PendingJoin> meshPending();

    /** @param nodeId a pending joiner @param deny refuse instead of approve @return the decision */
    JoinDecision meshDecide(String nodeId, boolean deny);

    /**
     * @param nodeId a member
     * @param confirm the caller accepts that members it admitted are cut off with it (required when it can admit)
     * @return the revocation, and the members cut off with it
     */
    RevocationReport meshRevoke(String nodeId, boolean confirm);

    /** @return the mesh left */
    MeshLeft meshLeave();

    /** @param nodeId a live member (to grant) or an admin (to remove) @param remove retire the role @return the member and its new role */
    AdminChange meshAdmin(String nodeId, boolean remove);

    /** @return the sharing policy in effect: what this node offers the mesh, and to whom */
    PolicyReport policy();

    /**
     * @param mesh include the models of the other members
     * @return each model once: name, types, and the nodes that serve it (node id and name, backend,
     *         whether it is loaded, size in bytes when the backend says)
     */
    List<ModelEntry> models(boolean mesh);

    /**
     * Runs a tool on another member of the mesh, which checks its {@code tools.grants} for this node.
     *
     * @param nodeId the member (this node's own id runs it here)
     * @param name the tool
     * @param argumentsJson its parameters
     * @return the result as JSON text
     */
    String runToolOn(String nodeId, String name, String argumentsJson);

    /**
     * Starts fetching a model on nodes of the mesh (their backends pull it; Ollama can).
     *
     * @param model the model
     * @param targets node ids (this node's own id pulls here)
     * @param all every live member and this node
     * @return the deploy's state: running, done or failed, with each node's progress
     */
    DeployStatus modelDeploy(String model, List<String> targets, boolean all);

    /** @return the state of the last deploy */
    DeployStatus modelDeployStatus();

    /** @return {@code types}: the agent types here (name, description, source, tools, triggers, ready); {@code problems}: specs that failed to load */
    AgentTypes agentTypes();

    /**
     * Checks an agent spec and adds it to this node's {@code agents/} folder.
     *
     * @param fileName the file's name, for messages and the stored copy ({@code my-agent.yaml})
     * @param yaml the spec
     * @return the type it defines
     * @throws ConfigException naming the file and line of each problem; nothing is stored then
     */
    AgentTypeReport agentAdd(String fileName, String yaml);

    /** @return the agents spawned here (id, type, state, created, lastActivity, invocations) */
    List<AgentReport> agents();

    /**
     * @param type an agent type
     * @param params spawn parameters over the type's defaults
     * @param intent a first intent to send, or empty
     * @return the agent, and its answer when an intent was given
     */
    AgentReport agentSpawn(String type, JsonText params, Optional<String> intent);

    /**
     * @param id an agent id or a unique prefix
     * @param intent what to do
     * @param args extra arguments
     * @return its answer: agent, type, node, text, result, steps
     */
    AgentAnswer agentInvoke(String id, String intent, JsonText args);

    /**
     * @param id an agent id or a unique prefix
     * @return the stopped agent
     */
    AgentReport agentStop(String id);

    /**
     * Routes an intent to the agent that fits it, here or on a member, and runs it.
     *
     * @param intent what to do
     * @param route a route hint ({@code capability:<id>}, {@code agent/<glob>}) or empty for by meaning
     * @param args extra arguments
     * @return the answer, naming the node and agent that gave it
     */
    AgentAnswer agentAsk(String intent, String route, JsonText args);

    /** @return the triggers defined in config, with their counts */
    List<TriggerReport> triggers();

    /**
     * Fires a trigger.
     *
     * @param capability who fires
     * @param event what happened
     * @param payload the event's data
     * @param wait wait for the routed agent's answer
     * @return id, intent, priority, throttled, and the answer when waited for
     */
    TriggerFired fireTrigger(String capability, String event, JsonText payload, boolean wait);

    /**
     * Starts copying a model file a member shares into this node's {@code models.dir}, resuming a
     * partial copy; returns at once.
     *
     * @param name the name the member shares it under ({@code tinyllama.gguf})
     * @param fromNode the member's node id
     * @param as the model name to register the file under with a local backend that imports files
     *           (Ollama); default the file name without {@code .gguf}
     * @return the pull's state
     */
    PullStatus modelPull(String name, String fromNode, Optional<String> as);

    /** @return the state of the last pull: running, done or failed, with bytes, total, percent, fetched, present, badChunks, path, sha256, registered */
    PullStatus modelPullStatus();

    /**
     * @return what this node's networking looks like: {@code addresses} (interfaces and their
     *         addresses), {@code mesh} (bind, port, listening endpoints and whether each accepts a
     *         connection), {@code mdns} (on or off, its address, nodes heard), {@code peers} (each
     *         member: state, transport, address, measured round trip, and whether its mesh port
     *         accepts a TCP connection from here)
     */
    NetworkReport network();
}
