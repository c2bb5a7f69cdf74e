/**
 * What the OpenAI-compatible API served: the request log ({@code request.completed} events, the
 * newest requests kept) and the usage figures per model, node and client, per minute and since start.
 */
package farm.llama.atmosphere.runtime.usage;
