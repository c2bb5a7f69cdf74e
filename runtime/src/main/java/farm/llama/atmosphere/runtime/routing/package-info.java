/**
 * Routing by meaning and cost: embeddings, the semantic router, the cost model, and the router
 * service that runs a chat on the best candidate with failover.
 */
package farm.llama.atmosphere.runtime.routing;
