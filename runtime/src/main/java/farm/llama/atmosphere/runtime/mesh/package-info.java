/**
 * The mesh: membership over SWIM ({@code mesh.swim}), signed envelopes, certificates and TLS,
 * admission (invites, joins, short codes, admin roles), LAN presence, remote backends and the
 * sharing policy. {@link farm.llama.atmosphere.runtime.mesh.MeshService} is its face to the node.
 */
package farm.llama.atmosphere.runtime.mesh;
