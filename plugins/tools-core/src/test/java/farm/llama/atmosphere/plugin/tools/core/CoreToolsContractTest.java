package farm.llama.atmosphere.plugin.tools.core;

import farm.llama.atmosphere.spi.contract.ToolContract;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import java.util.Map;

/** The core tools keep the tool contract (on a node with no capabilities, the AI tools fail as calls). */
class CoreToolsContractTest extends ToolContract {

    @Override
    protected ToolProvider provider() {
        return new CoreToolProvider();
    }

    @Override
    protected Map<String, String> sampleArguments() {
        return Map.of(
                "echo", "{\"message\":\"hello\"}",
                "time", "{\"timezone\":\"Europe/Paris\"}",
                "health", "{}",
                "system_info", "{}",
                "store", "{\"action\":\"list\"}",
                "notify", "{\"message\":\"the backup finished\"}",
                "llm", "{\"prompt\":\"hello\"}",
                "embed", "{\"input\":[\"hello\"]}",
                "route", "{\"intent\":\"write some code\"}");
    }
}
