/**
 * The node itself: {@link farm.llama.atmosphere.runtime.node.Node} wires the layers below into
 * one {@link farm.llama.atmosphere.runtime.NodeApi}, with its collaborators — the data-dir lock, the
 * choice of one provider per family, tool routing, the agents' workbench, the model catalogue,
 * deploys and file pulls, the LAN loop and the network report. The top of the runtime: nothing in
 * it depends on this package. Exported, for the shell's {@code serve}.
 */
package farm.llama.atmosphere.runtime.node;
