/**
 * The HTTP API: {@link farm.llama.atmosphere.runtime.http.ApiServer} (the server, the access guard
 * and error mapping) and one route set per area, including the OpenAI-compatible API.
 */
package farm.llama.atmosphere.runtime.http;
