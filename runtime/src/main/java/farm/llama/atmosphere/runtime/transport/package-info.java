/**
 * The in-memory transport, for tests and the simulator: the same
 * {@link farm.llama.atmosphere.spi.transport.Transport} contract as the plugins, without sockets.
 */
package farm.llama.atmosphere.runtime.transport;
