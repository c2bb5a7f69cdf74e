/**
 * The values that cross {@link farm.llama.atmosphere.runtime.NodeApi}: what the node answers the
 * HTTP API, the CLI and the dashboard. Records and enums only, serialised by Jackson with the
 * field names the README documents; free-form JSON (a tool's result, an agent's parameters) is
 * carried as {@link farm.llama.atmosphere.runtime.api.JsonText}, never as a map.
 */
package farm.llama.atmosphere.runtime.api;
