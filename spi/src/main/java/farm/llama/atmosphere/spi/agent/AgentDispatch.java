package farm.llama.atmosphere.spi.agent;

import farm.llama.atmosphere.spi.Caller;
import java.util.Map;
import java.util.Set;

/**
 * Passes an intent to the agent that fits it, as the node does for a trigger or for
 * {@code atmosphere agent dispatch}: by a route hint, else by meaning, over this node's agent
 * types and those live members offer; an idle agent of the type spawned for the same caller is
 * reused, else one is spawned.
 *
 * <p>Thread-safe.
 */
public interface AgentDispatch {

    /**
     * @param intent what to do, in words
     * @param hint an agent type ({@code research}) or {@code <node>/<type>}, or empty to route by meaning
     * @param args extra arguments (JSON-friendly values)
     * @param caller who the intent is for: the agent it reaches runs as this caller
     * @param excluded agent types not to pick (a forwarder excludes itself)
     * @return the answer: {@code text} and {@code steps} of the agent that answered, and as
     *         {@code json} the node's record of it ({@code agent}, {@code type}, {@code node}, its own {@code json})
     * @throws farm.llama.atmosphere.spi.CallFailedException NOT_FOUND when no agent type fits, or the agent's failure
     */
    AgentReply dispatch(String intent, String hint, Map<String, Object> args, Caller caller, Set<String> excluded);
}
