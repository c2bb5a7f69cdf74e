/**
 * SWIM membership with Lifeguard's refinements: probes, indirect probes, suspicion, gossip and
 * push-pull over an abstract network. It knows nothing of certificates, transports or the rest of
 * the node: who may say what about a member is the {@link farm.llama.atmosphere.runtime.mesh.swim.Statements}
 * the mesh hands in, so the simulator and the real mesh run the very same code.
 */
package farm.llama.atmosphere.runtime.mesh.swim;
