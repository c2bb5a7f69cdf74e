/**
 * The Atmosphere node: plugin host, identity, config, mesh, HTTP API. Exports the embedding API
 * ({@code farm.llama.atmosphere.runtime}) and its records ({@code runtime.api}); the packages the
 * shell also uses are exported to it alone; everything else is internal.
 */
module farm.llama.atmosphere.runtime {
    requires transitive farm.llama.atmosphere.spi;
    requires transitive com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jdk8;
    requires java.net.http;
    requires java.logging;
    requires java.management;
    requires jdk.management;
    requires io.helidon.webserver;
    requires io.helidon.http;
    requires io.helidon.common.tls;
    requires io.helidon.logging.jul;
    requires org.yaml.snakeyaml;
    requires pf4j;
    requires javax.jmdns;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires org.slf4j;

    exports farm.llama.atmosphere.runtime;
    exports farm.llama.atmosphere.runtime.api;
    exports farm.llama.atmosphere.runtime.mesh to farm.llama.atmosphere.shell;
    exports farm.llama.atmosphere.runtime.mesh.swim to farm.llama.atmosphere.shell;
    exports farm.llama.atmosphere.runtime.node to farm.llama.atmosphere.shell;
    exports farm.llama.atmosphere.runtime.identity to farm.llama.atmosphere.shell;
    exports farm.llama.atmosphere.runtime.config to farm.llama.atmosphere.shell;
    exports farm.llama.atmosphere.runtime.relay to farm.llama.atmosphere.shell;
    exports farm.llama.atmosphere.runtime.util to farm.llama.atmosphere.shell;
    opens farm.llama.atmosphere.runtime to com.fasterxml.jackson.databind;
    opens farm.llama.atmosphere.runtime.identity to com.fasterxml.jackson.databind;
    opens farm.llama.atmosphere.runtime.node to com.fasterxml.jackson.databind;
    opens farm.llama.atmosphere.runtime.api to com.fasterxml.jackson.databind;
    opens farm.llama.atmosphere.runtime.util to com.fasterxml.jackson.databind; // JsonText's serializer and deserializer
    opens farm.llama.atmosphere.runtime.mesh to com.fasterxml.jackson.databind;
    opens farm.llama.atmosphere.runtime.mesh.swim to com.fasterxml.jackson.databind;

    uses farm.llama.atmosphere.spi.discovery.DiscoveryProvider;
    uses farm.llama.atmosphere.spi.routing.EmbedderProvider;
    uses farm.llama.atmosphere.spi.routing.RouterProvider;
    uses farm.llama.atmosphere.spi.transport.TransportProvider;
    uses farm.llama.atmosphere.spi.agent.AgentTypeProvider;
    uses farm.llama.atmosphere.spi.tool.ToolProvider;
}
