/**
 * The embedding API of the runtime, what the shell and tests start from: the data dir and its
 * setup, the validated configuration, {@link farm.llama.atmosphere.runtime.NodeApi} (what a node
 * does, in-process or over HTTP through {@link farm.llama.atmosphere.runtime.NodeClient}) and how a
 * serving node is found. Depends only on the API types, identity, configuration and utilities.
 */
package farm.llama.atmosphere.runtime;
