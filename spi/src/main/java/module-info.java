/**
 * The Atmosphere service-provider interfaces: the only API that plugins compile against.
 *
 * <p>One package per SPI family, plus this root package for what they share (the node context,
 * chat and embedding values, failures). Every provider is found by {@link java.util.ServiceLoader}
 * from a {@code META-INF/services} file, both on the module path and inside PF4J plugins.
 * This module requires {@code java.base} only.
 */
module farm.llama.atmosphere.spi {
    exports farm.llama.atmosphere.spi;
    exports farm.llama.atmosphere.spi.discovery;
    exports farm.llama.atmosphere.spi.routing;
    exports farm.llama.atmosphere.spi.transport;
    exports farm.llama.atmosphere.spi.agent;
    exports farm.llama.atmosphere.spi.tool;
}
