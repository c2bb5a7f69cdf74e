package farm.llama.atmosphere.plugin.tools.core;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Setting;
import farm.llama.atmosphere.spi.Setting.Kind;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import java.util.List;

/** Provides the core tools. */
public final class CoreToolProvider implements ToolProvider {

    /** Found by ServiceLoader. */
    public CoreToolProvider() {
    }

    @Override
    public String type() {
        return "core";
    }

    @Override
    public List<Setting> settings() {
        return List.of(
                new Setting("max-keys", Kind.NUMBER, "10000", "keys the store tool holds"),
                new Setting("max-value-bytes", Kind.NUMBER, "1048576", "largest value the store tool holds, in bytes"));
    }

    @Override
    public List<Tool> create(NodeContext context) {
        return List.of(new EchoTool(), new TimeTool(context), new HealthTool(context), new StoreTool(context),
                new LlmTool(context), new EmbedTool(context), new RouteTool(context), new NotifyTool(context), new SystemInfoTool(context));
    }
}
