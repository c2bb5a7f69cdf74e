/**
 * The node's collaborators, which {@link farm.llama.atmosphere.runtime.Node} wires together and
 * exposes through {@link farm.llama.atmosphere.runtime.NodeApi}: the data-dir lock, the choice of
 * one provider per family, tool routing, the agents' workbench, the model catalogue, deploys and
 * file pulls, the LAN loop and the network report. Internal to the runtime; not exported.
 */
package farm.llama.atmosphere.runtime.node;
