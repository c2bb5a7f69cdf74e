/**
 * What every SPI family shares: {@link farm.llama.atmosphere.spi.Provider}, the
 * {@link farm.llama.atmosphere.spi.NodeContext} a provider is created with, its
 * {@link farm.llama.atmosphere.spi.ConfigView}, chat and embedding values, and failures.
 *
 * <p>Changes in 0.2: {@link farm.llama.atmosphere.spi.ConfigView#path(String)} and
 * {@link farm.llama.atmosphere.spi.ConfigView#expandHome(String)} (one reading of {@code ~/}
 * for every plugin); {@link farm.llama.atmosphere.spi.Provider#settings()} and
 * {@link farm.llama.atmosphere.spi.Setting}, so that a provider's configuration keys are
 * declared once and a mistyped one is refused like the node's own.
 *
 * <p>Also in 0.2, so that routers, embedders and agents can be plugins like the rest (the
 * runtime implements no provider itself since then, and an agent plugin can do real work):
 * <ul>
 *   <li>{@link farm.llama.atmosphere.spi.Caller} — who a tool call or an intent is for (moved
 *       here from the runtime): the identity an agent runs as. The node hands it to an agent with
 *       each intent ({@link farm.llama.atmosphere.spi.agent.Agent#handle(String, java.util.Map, Caller)});
 *       tools the agent runs with it are judged by that caller's grants, never by the node's.</li>
 *   <li>{@link farm.llama.atmosphere.spi.NodeContext#tools()} and
 *       {@link farm.llama.atmosphere.spi.tool.ToolAccess} — find a tool here or on a live member,
 *       run it here or on a named member, as a given caller.</li>
 *   <li>{@link farm.llama.atmosphere.spi.RoutingService#complete(ChatRequest)} — a chat with
 *       tools through the router, gathered whole with its {@code tool_calls} assembled: what a
 *       tool-calling loop needs.</li>
 *   <li>{@link farm.llama.atmosphere.spi.NodeContext#agents()} and
 *       {@link farm.llama.atmosphere.spi.agent.AgentDispatch} — pass an intent to the agent type
 *       that fits it, here or on a member (the forwarder's job).</li>
 *   <li>{@link farm.llama.atmosphere.spi.agent.AgentType#optionalTools()},
 *       {@code triggers()} and {@code needsChatModel()} — what the node reports of a type and
 *       when it can run; {@link farm.llama.atmosphere.spi.agent.AgentTypeProvider#define} — a
 *       type from a file the owner keeps in {@code agents/} (YAML specs, read by agents-core).</li>
 *   <li>{@link farm.llama.atmosphere.spi.routing.Router#routingEmbedder} — the router says what
 *       it routes with (the semantic router pairs a model embedder with its lexicon).</li>
 *   <li>{@link farm.llama.atmosphere.spi.routing.Router#tasks()} and
 *       {@link farm.llama.atmosphere.spi.routing.Router#teach} — a router that routes by example
 *       names its tasks and takes the owner's examples ({@code routing.examples}, route feedback);
 *       {@link farm.llama.atmosphere.spi.routing.RouteDecision#tasks()} with
 *       {@link farm.llama.atmosphere.spi.routing.TaskMatch} — the examples that decided.</li>
 * </ul>
 * All additive: every new method has a default, so a plugin built against 0.1 keeps working.
 */
package farm.llama.atmosphere.spi;
