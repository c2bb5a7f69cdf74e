/**
 * The core tools: {@code echo}, {@code time}, {@code health} and {@code store}. Loaded as a PF4J
 * plugin (through {@code META-INF/services}) or from the module path (through {@code provides}).
 */
module farm.llama.atmosphere.plugin.tools.core {
    requires farm.llama.atmosphere.spi;
    requires com.fasterxml.jackson.databind;

    provides farm.llama.atmosphere.spi.tool.ToolProvider
            with farm.llama.atmosphere.plugin.tools.core.CoreToolProvider;
}
