/**
 * The core tools: {@code echo}, {@code time}, {@code health}, {@code store}, {@code llm},
 * {@code embed}, {@code route}, {@code notify} and {@code system_info}. Loaded as a PF4J
 * plugin (through {@code META-INF/services}) or from the module path (through {@code provides}).
 */
module farm.llama.atmosphere.plugin.tools.core {
    requires farm.llama.atmosphere.spi;
    requires com.fasterxml.jackson.databind;
    requires jdk.management;

    provides farm.llama.atmosphere.spi.tool.ToolProvider
            with farm.llama.atmosphere.plugin.tools.core.CoreToolProvider;
}
