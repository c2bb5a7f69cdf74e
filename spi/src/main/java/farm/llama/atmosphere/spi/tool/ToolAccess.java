package farm.llama.atmosphere.spi.tool;

import farm.llama.atmosphere.spi.Caller;
import java.util.Optional;

/**
 * The tools a provider can run through its node: this node's own, and those live members offer.
 * Every call is made <em>as a caller</em> — the one the node handed the agent with its intent —
 * and is judged by that caller's grants ({@code tools.grants}) here, and on a member by the
 * member's grants for this node and for the caller: a plugin can never lend its node's rights to
 * someone who asked through it.
 *
 * <p>Thread-safe. Arguments are validated against the tool's schema before it runs.
 */
public interface ToolAccess {

    /**
     * A tool by name: this node's when it has one that is enabled, else one a live member offers.
     *
     * @param name the tool's name
     * @return its description (for a member's tool: name, description and schema as the member
     *         published them; permissions and timeout are the member's business)
     */
    Optional<ToolSpec> find(String name);

    /**
     * Runs a tool here, or on a live member that offers it when this node has none of that name.
     *
     * @param name the tool
     * @param argumentsJson its arguments, a JSON object
     * @param caller who the call is for
     * @return the result
     * @throws farm.llama.atmosphere.spi.CallFailedException NOT_FOUND when no one offers it,
     *         INVALID_REQUEST for arguments the schema refuses, UNAUTHORIZED when the caller lacks a
     *         permission the tool needs, or the tool's own failure
     */
    ToolResult run(String name, String argumentsJson, Caller caller);

    /**
     * Runs a tool on one member (or on this node, when {@code member} is this node's id).
     *
     * @param member the member's node id
     * @param name the tool
     * @param argumentsJson its arguments, a JSON object
     * @param caller who the call is for; the member judges it by its grants for this node and this caller
     * @return the result
     * @throws farm.llama.atmosphere.spi.CallFailedException as {@link #run}, and UNREACHABLE when the member cannot be reached
     */
    ToolResult runOn(String member, String name, String argumentsJson, Caller caller);
}
