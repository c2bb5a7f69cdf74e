package farm.llama.atmosphere.plugin.tools.core;

import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What machine this node runs on: OS, processors, load, memory, disk. */
final class SystemInfoTool implements Tool {

    private static final ToolSpec SPEC = new ToolSpec("system_info",
            "Describes the machine this node runs on: operating system, architecture, processors, load, memory and free disk space.",
            "system", """
            {"type":"object","properties":{},"additionalProperties":false}
            """, List.of("system:read"), Duration.ofSeconds(5), false);

    private final NodeContext context;

    SystemInfoTool(NodeContext context) {
        this.context = context;
    }

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public ToolResult invoke(ToolCall call) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("nodeId", context.nodeId());
        out.put("os", os.getName());
        out.put("osVersion", os.getVersion());
        out.put("arch", os.getArch());
        out.put("processors", os.getAvailableProcessors());
        double load = os.getSystemLoadAverage();
        out.put("loadAverage", load < 0 ? null : load);
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            out.put("memoryTotalBytes", sun.getTotalMemorySize());
            out.put("memoryFreeBytes", sun.getFreeMemorySize());
            double cpu = sun.getCpuLoad();
            out.put("cpuLoad", cpu < 0 ? null : cpu);
        }
        out.put("javaVersion", Runtime.version().toString());
        try {
            FileStore store = Files.getFileStore(context.dataDir());
            out.put("diskFreeBytes", store.getUsableSpace());
            out.put("diskTotalBytes", store.getTotalSpace());
        } catch (IOException e) {
            out.put("diskFreeBytes", null);
        }
        return new ToolResult(Tools.write(out));
    }
}
