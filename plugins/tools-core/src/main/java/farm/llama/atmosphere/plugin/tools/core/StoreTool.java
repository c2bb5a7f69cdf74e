package farm.llama.atmosphere.plugin.tools.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolResult;
import farm.llama.atmosphere.spi.tool.ToolSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A key/value store persisted under the plugin's data folder ({@code store.json}), written
 * atomically after every change so a crash never loses or tears it.
 */
final class StoreTool implements Tool {

    private static final int FORMAT = 1;

    private static final ToolSpec SPEC = new ToolSpec("store",
            "Keeps small values under names on this node, across restarts: set, get, delete or list keys.", "storage", """
            {"type":"object","properties":{
               "action":{"type":"string","enum":["get","set","delete","list"],"description":"what to do"},
               "key":{"type":"string","minLength":1,"maxLength":256,"description":"the name (get, set, delete)"},
               "value":{"description":"any JSON value (set)"},
               "prefix":{"type":"string","description":"only keys starting with this (list)"}},
             "required":["action"],"additionalProperties":false}
            """, List.of("storage:read", "storage:write"), Duration.ofSeconds(10), false);

    private final NodeContext context;
    private final long maxKeys;
    private final long maxValueBytes;
    private TreeMap<String, JsonNode> data;

    StoreTool(NodeContext context) {
        this.context = context;
        this.maxKeys = context.config().number("max-keys").orElse(10_000L);
        this.maxValueBytes = context.config().number("max-value-bytes").orElse(1_048_576L);
    }

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    private Path file() {
        return context.dataDir().resolve("store.json");
    }

    private TreeMap<String, JsonNode> data() {
        if (data == null) {
            // kept only once read whole: a store that cannot be read is never taken for an empty one (and overwritten)
            TreeMap<String, JsonNode> read = new TreeMap<>();
            Path file = file();
            if (Files.exists(file)) {
                try {
                    JsonNode root = Tools.JSON.readTree(Files.readString(file));
                    int format = root.path("format").asInt(1);
                    if (format > FORMAT) {
                        throw new CallFailedException(FailureKind.INTERNAL, "the store file " + file + " is in format " + format
                                + ", written by a newer tools-core; this one reads format " + FORMAT + ". Run the newer version again.");
                    }
                    root.path("entries").fields().forEachRemaining(e -> read.put(e.getKey(), e.getValue()));
                } catch (IOException e) {
                    throw new CallFailedException(FailureKind.INTERNAL, "the store file " + file
                            + " is unreadable (" + e.getMessage() + "); move it aside to start an empty store");
                }
            }
            data = read;
        }
        return data;
    }

    @Override
    public synchronized ToolResult invoke(ToolCall call) {
        JsonNode args = Tools.args(call.argumentsJson());
        String action = args.path("action").asText();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("action", action);
        switch (action) {
            case "get" -> {
                String key = key(args);
                JsonNode value = data().get(key);
                out.put("key", key);
                out.put("found", value != null);
                out.put("value", value);
            }
            case "set" -> {
                String key = key(args);
                if (!args.has("value")) {
                    throw new CallFailedException(FailureKind.INVALID_REQUEST, "parameter 'value' is required for action 'set' but missing");
                }
                JsonNode value = args.get("value");
                if (Tools.write(value).length() > maxValueBytes) {
                    throw new CallFailedException(FailureKind.INVALID_REQUEST,
                            "parameter 'value': larger than " + maxValueBytes + " bytes (tools.core.max-value-bytes)");
                }
                if (!data().containsKey(key) && data().size() >= maxKeys) {
                    throw new CallFailedException(FailureKind.REFUSED,
                            "the store is full (" + maxKeys + " keys, tools.core.max-keys); delete some keys first");
                }
                JsonNode previous = data().put(key, value);
                try {
                    save();
                } catch (IOException e) {
                    if (previous == null) {
                        data().remove(key);
                    } else {
                        data().put(key, previous);
                    }
                    throw new CallFailedException(FailureKind.INTERNAL, "cannot save the store: " + e.getMessage(), e);
                }
                out.put("key", key);
                out.put("created", previous == null);
            }
            case "delete" -> {
                String key = key(args);
                JsonNode previous = data().remove(key);
                if (previous != null) {
                    try {
                        save();
                    } catch (IOException e) {
                        data().put(key, previous);
                        throw new CallFailedException(FailureKind.INTERNAL, "cannot save the store: " + e.getMessage(), e);
                    }
                }
                out.put("key", key);
                out.put("deleted", previous != null);
            }
            case "list" -> {
                String prefix = args.path("prefix").asText("");
                List<String> keys = new ArrayList<>();
                for (String k : data().keySet()) {
                    if (k.startsWith(prefix)) {
                        keys.add(k);
                    }
                }
                out.put("keys", keys);
                out.put("count", keys.size());
            }
            default -> throw new CallFailedException(FailureKind.INVALID_REQUEST,
                    "parameter 'action': expected one of get, set, delete, list, got '" + action + "'");
        }
        return new ToolResult(Tools.write(out));
    }

    private static String key(JsonNode args) {
        if (!args.hasNonNull("key")) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST,
                    "parameter 'key' is required for action '" + args.path("action").asText() + "' but missing");
        }
        return args.get("key").asText();
    }

    private void save() throws IOException {
        ObjectNode root = Tools.JSON.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode entries = root.putObject("entries");
        data().forEach(entries::set);
        byte[] bytes = Tools.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Path file = file();
        Path tmp = Files.createTempFile(file.getParent(), ".store.json.", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch)) {
                out.write(bytes);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
