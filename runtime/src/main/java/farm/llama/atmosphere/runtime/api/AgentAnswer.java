package farm.llama.atmosphere.runtime.api;

/**
 * What an agent answered: to {@code agent invoke}, {@code agent ask}, a trigger waited for, or a
 * member that routed an intent here (over the mesh, in this form).
 *
 * @param agent the agent's id
 * @param type its type
 * @param node the node it ran on
 * @param text its answer for people
 * @param result its result as JSON
 * @param steps how many model turns and tool calls it took
 */
public record AgentAnswer(String agent, String type, String node, String text, JsonText result, int steps) {

    /** A missing result is JSON's null. */
    public AgentAnswer {
        result = result == null ? JsonText.NULL : result;
    }
}
