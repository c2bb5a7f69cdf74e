/**
 * Agents and triggers: agent types (built-in, spec-defined and from plugins), the agents
 * running here, and triggers that turn events into intents.
 */
package farm.llama.atmosphere.runtime.agents;
