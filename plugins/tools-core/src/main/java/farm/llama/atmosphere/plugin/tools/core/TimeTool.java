package farm.llama.atmosphere.plugin.tools.core;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The node's current time, in UTC or a named time zone. */
final class TimeTool implements Tool {

    private static final ToolSpec SPEC = new ToolSpec("time", "Tells the current date and time on this node, in UTC or a given time zone.",
            "core", """
            {"type":"object","properties":{"timezone":{"type":"string","description":"IANA zone such as Europe/Paris; default UTC"}},
             "additionalProperties":false}
            """, List.of(), Duration.ofSeconds(5), false);

    private final NodeContext context;

    TimeTool(NodeContext context) {
        this.context = context;
    }

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public ToolResult invoke(ToolCall call) {
        JsonNode args = Tools.args(call.argumentsJson());
        String zoneName = args.path("timezone").asText("UTC");
        ZoneId zone;
        try {
            zone = ZoneId.of(zoneName);
        } catch (DateTimeException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST,
                    "parameter 'timezone': expected an IANA time zone such as UTC or Europe/Paris, got '" + zoneName + "'");
        }
        Instant now = context.clock().instant();
        ZonedDateTime local = now.atZone(zone);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("iso", local.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        out.put("utc", now.toString());
        out.put("epochMillis", now.toEpochMilli());
        out.put("timezone", zone.getId());
        out.put("dayOfWeek", local.getDayOfWeek().toString());
        return new ToolResult(Tools.write(out));
    }
}
