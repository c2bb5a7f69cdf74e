package farm.llama.atmosphere.plugin.agents.core;

import farm.llama.atmosphere.runtime.util.Fuzz;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Agent specs come from the owner's files and from the API: any bytes are parsed or refused with the problems named. */
class AgentSpecFuzzTest {

    @Test
    void agentSpecs() throws Exception {
        List<byte[]> shipped = new ArrayList<>();
        for (String name : List.of("research", "orchestrator", "notification")) {
            try (var in = AgentSpec.class.getResourceAsStream(name + ".yaml")) {
                shipped.add(in.readAllBytes());
            }
        }
        Fuzz.run("agent spec", shipped, Set.of(AtmosphereException.class), 8 << 20,
                b -> AgentSpec.parse(new String(b, StandardCharsets.UTF_8), "fuzz.yaml"));
    }
}
