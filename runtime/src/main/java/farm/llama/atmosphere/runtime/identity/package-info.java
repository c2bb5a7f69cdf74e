/**
 * Who a node is and who may act on it: its Ed25519 identity, the admin token the CLI presents,
 * and the API keys of remote clients. Files here are written 0600 and atomically.
 */
package farm.llama.atmosphere.runtime.identity;
