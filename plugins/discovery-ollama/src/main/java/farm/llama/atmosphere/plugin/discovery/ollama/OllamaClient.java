package farm.llama.atmosphere.plugin.discovery.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.plugin.discovery.common.Http;
import farm.llama.atmosphere.plugin.discovery.common.Http1;
import farm.llama.atmosphere.plugin.discovery.common.HttpBackendClient;
import farm.llama.atmosphere.spi.BlockingPublisher;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.ChatStream;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.discovery.ModelProfiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Flow;

/**
 * A client for one Ollama server: {@code /api/tags} and {@code /api/ps} for models (loaded ones
 * are warm), {@code /api/chat} (NDJSON stream) for chat, {@code /api/embed} for embeddings.
 * OpenAI-format requests are translated to Ollama's and its answers back to OpenAI chunks.
 */
final class OllamaClient extends HttpBackendClient {

    private volatile String version = "";

    private final Optional<Boolean> continues;
    private final OllamaTemplates templates;

    /**
     * @param context the node
     * @param url the server's root
     * @param apiKey the key to send, if any
     * @param continues the owner's word on whether it continues a trailing assistant message (empty: each
     *                  model's chat template decides)
     */
    OllamaClient(NodeContext context, URI url, Optional<String> apiKey, Optional<Boolean> continues) {
        super(context, "ollama", url, apiKey);
        this.continues = continues;
        this.templates = new OllamaTemplates(context.clock());
    }

    void probe(Duration timeout) {
        version = http.get("api/version", timeout).path("version").asText("");
    }

    @Override
    protected String version() {
        return version;
    }

    @Override
    public List<Capability> capabilities() {
        open();
        JsonNode tags = http.get("api/tags", Duration.ofSeconds(5));
        Set<String> loaded = new HashSet<>();
        try {
            http.get("api/ps", Duration.ofSeconds(5)).path("models").forEach(m -> loaded.add(m.path("name").asText()));
        } catch (CallFailedException e) {
            // older servers have no /api/ps: nothing is known to be warm
        }
        List<Capability> out = new ArrayList<>();
        for (JsonNode m : tags.path("models")) {
            String name = m.path("name").asText(m.path("model").asText());
            if (name.isEmpty()) {
                continue;
            }
            JsonNode details = m.path("details");
            List<String> families = new ArrayList<>();
            details.path("families").forEach(f -> families.add(f.asText()));
            if (families.isEmpty() && details.hasNonNull("family")) {
                families.add(details.get("family").asText());
            }
            ModelProfiles.Profile p = ModelProfiles.describe(name, families);
            List<String> tagsOut = new ArrayList<>(p.tags());
            boolean warm = loaded.contains(name);
            if (warm) {
                tagsOut.add("warm");
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("backend", id);
            meta.put("backendType", "ollama");
            meta.put("loaded", Boolean.toString(warm));
            if (m.has("size")) {
                meta.put("sizeBytes", m.get("size").asText());
            }
            putIf(meta, "family", details.path("family"));
            putIf(meta, "parameterSize", details.path("parameter_size"));
            putIf(meta, "quantization", details.path("quantization_level"));
            if (continues.isEmpty()) {
                meta.put(Capability.CONTINUES, "template"); // checked against the model's template when a continuation comes
            } else if (continues.get()) {
                meta.put(Capability.CONTINUES, "configured");
            }
            out.add(new Capability(id + "/" + name, context.nodeId(), p.type(), name, p.description(), List.of(name),
                    tagsOut, http.base().toString(), meta));
        }
        return out;
    }

    private static void putIf(Map<String, String> meta, String key, JsonNode value) {
        if (value.isValueNode() && !value.asText().isEmpty()) {
            meta.put(key, value.asText());
        }
    }

    @Override
    public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
        return ChatStream.publisher("ollama-chat", () -> stream(request));
    }

    /** Runs the chat on the caller's thread: the request's own thread reads Ollama's lines. */
    @Override
    public ChatStream stream(ChatRequest request) {
        open();
        JsonNode in = OllamaChatBody.parse(request);
        if (in.path(ChatRequest.CONTINUE_FINAL_MESSAGE).asBoolean(false) && !continues.orElse(false)) {
            if (continues.isPresent()) {
                throw new CallFailedException(FailureKind.REFUSED, id + " does not continue a trailing assistant message (continue: false)");
            }
            templates.requireContinues(request.model(), () -> http.post("api/show", OllamaChatBody.show(request.model()),
                    Duration.ofSeconds(10)).path("template").asText(""), id);
        }
        ObjectNode body = OllamaChatBody.of(in, request.model());
        String chatId = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        return new OllamaChatStream(http.stream("api/chat", body, request.timeout()), chatId, request.model());
    }

    /** Ollama's NDJSON chat lines, each turned into an OpenAI {@code chat.completion.chunk} as it is read. */
    private final class OllamaChatStream implements ChatStream {
        private final Http1.ResponseBody in;
        private final String chatId;
        private final String model;
        private volatile boolean ended;
        private volatile boolean closed;
        private boolean first = true;
        private boolean sawToolCalls;
        private String ahead; // a line that buffered() read

        OllamaChatStream(Http1.ResponseBody in, String chatId, String model) {
            this.in = in;
            this.chatId = chatId;
            this.model = model;
        }

        @Override
        public Optional<ChatChunk> next() {
            if (ended) {
                in.close(); // after the done line: the connection goes back to the pool
                return Optional.empty();
            }
            try {
                String line;
                while ((line = ahead != null ? ahead : in.readLine()) != null) {
                    ahead = null;
                    if (!line.isBlank()) {
                        return Optional.of(chunkOf(line));
                    }
                }
                throw fail(new CallFailedException(FailureKind.BAD_RESPONSE, id + " ended the stream before it was done"));
            } catch (IOException e) {
                if (closed) {
                    throw new CallFailedException(FailureKind.CANCELLED, "the call to " + id + " was stopped");
                }
                throw fail(http.failure(e, "api/chat"));
            }
        }

        private ChatChunk chunkOf(String line) {
            JsonNode msg;
            try {
                msg = Http.JSON.readTree(line);
            } catch (IOException e) {
                throw fail(new CallFailedException(FailureKind.BAD_RESPONSE, id + " sent a line that is not JSON"));
            }
            if (msg.has("error")) {
                throw fail(new CallFailedException(FailureKind.BAD_RESPONSE, id + " failed mid-stream: " + msg.get("error").asText()));
            }
            boolean done = msg.path("done").asBoolean(false);
            ObjectNode chunk = chunk(chatId, model);
            ObjectNode choice = ((ArrayNode) chunk.get("choices")).addObject();
            choice.put("index", 0);
            ObjectNode delta = choice.putObject("delta");
            if (first) {
                delta.put("role", "assistant");
                first = false;
            }
            JsonNode message = msg.path("message");
            String content = message.path("content").asText("");
            if (!content.isEmpty()) {
                delta.put("content", content);
            }
            String thinking = message.path("thinking").asText("");
            if (!thinking.isEmpty()) {
                delta.put("reasoning_content", thinking); // a thinking model's reasoning, as vLLM and llama.cpp stream it
            }
            boolean toolCalls = false;
            if (message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty()) {
                ArrayNode calls = delta.putArray("tool_calls");
                int i = 0;
                for (JsonNode call : message.path("tool_calls")) {
                    ObjectNode c = calls.addObject();
                    c.put("index", i++);
                    c.put("id", "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
                    c.put("type", "function");
                    ObjectNode fn = c.putObject("function");
                    fn.put("name", call.path("function").path("name").asText());
                    JsonNode args = call.path("function").path("arguments");
                    fn.put("arguments", args.isTextual() ? args.asText() : args.toString());
                }
                toolCalls = true;
            }
            if (done) {
                String reason = msg.path("done_reason").asText("stop");
                choice.put("finish_reason", toolCalls || sawToolCalls ? "tool_calls"
                        : reason.equals("length") ? "length" : "stop");
                ObjectNode usage = chunk.putObject("usage");
                int prompt = msg.path("prompt_eval_count").asInt(0);
                int completion = msg.path("eval_count").asInt(0);
                usage.put("prompt_tokens", prompt);
                usage.put("completion_tokens", completion);
                usage.put("total_tokens", prompt + completion);
                ended = true;
                return new ChatChunk(chunk.toString(), true);
            }
            choice.putNull("finish_reason");
            sawToolCalls |= toolCalls;
            return new ChatChunk(chunk.toString(), false);
        }

        /** @return true when the next line has arrived whole (never waits), or the answer is done */
        @Override
        public boolean buffered() {
            if (ended || ahead != null) {
                return true;
            }
            try {
                String line;
                while ((line = in.readLineIfHere()) != null) {
                    if (!line.isBlank()) {
                        ahead = line;
                        return true;
                    }
                }
            } catch (IOException e) {
                // the next read meets the failure and reports it
            }
            return false;
        }

        private CallFailedException fail(CallFailedException e) {
            ended = true;
            in.abort();
            return e;
        }

        @Override
        public void close() {
            closed = true;
            if (ended) {
                in.close(); // the done line was read: keep the connection if its body ends now
            } else {
                in.abort(); // mid-answer: closing the connection stops the generation
            }
        }
    }

    @Override
    public Flow.Publisher<String> pull(String model) {
        open();
        ObjectNode body = Http.JSON.createObjectNode();
        body.put("model", model);
        body.put("stream", true);
        return BlockingPublisher.of("ollama-pull", sink -> {
            Http1.ResponseBody in = http.stream("api/pull", body, Duration.ofHours(6));
            sink.onCancel(in::abort);
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode msg;
                    try {
                        msg = Http.JSON.readTree(line);
                    } catch (IOException e) {
                        throw new CallFailedException(FailureKind.BAD_RESPONSE, id + " sent a pull progress line that is not JSON");
                    }
                    if (msg.has("error")) {
                        String error = msg.get("error").asText();
                        throw new CallFailedException(error.contains("does not exist") || error.contains("not found")
                                ? FailureKind.NOT_FOUND : FailureKind.BAD_RESPONSE, id + " cannot pull " + model + ": " + error);
                    }
                    ObjectNode p = Http.JSON.createObjectNode();
                    p.put("status", msg.path("status").asText(""));
                    if (msg.has("digest")) {
                        p.put("digest", msg.path("digest").asText());
                    }
                    if (msg.has("total")) {
                        p.put("total", msg.path("total").asLong());
                        p.put("completed", msg.path("completed").asLong(0));
                    }
                    sink.emit(p.toString());
                }
            }
        });
    }

    @Override
    public Optional<Path> modelFile(String model) {
        open();
        ObjectNode body = Http.JSON.createObjectNode();
        body.put("model", model);
        String modelfile = http.post("api/show", body, Duration.ofSeconds(30)).path("modelfile").asText("");
        return fromInstruction(modelfile).flatMap(from -> {
            try {
                Path p = Path.of(from);
                // the node decides whether the file may be shared (a blob of the model store, its hash)
                return p.isAbsolute() ? Optional.of(p) : Optional.empty();
            } catch (InvalidPathException e) {
                return Optional.empty(); // FROM names a model, not a file
            }
        });
    }

    /**
     * The argument of a modelfile's {@code FROM} instruction: an instruction line outside any
     * triple-quoted block (a {@code TEMPLATE}, {@code SYSTEM} or {@code LICENSE} text may contain
     * lines that start with FROM), and only when there is exactly one.
     *
     * @param modelfile the text {@code /api/show} returned
     * @return the argument, unquoted
     */
    static Optional<String> fromInstruction(String modelfile) {
        List<String> froms = new ArrayList<>();
        boolean inBlock = false;
        for (String line : modelfile.split("\r?\n", -1)) {
            String l = line.strip();
            if (!inBlock && !l.isEmpty() && !l.startsWith("#")) {
                String[] parts = l.split("\\s+", 2);
                if (parts[0].equalsIgnoreCase("FROM") && parts.length == 2) {
                    String arg = parts[1].strip();
                    if (arg.length() >= 2 && arg.startsWith("\"") && arg.endsWith("\"") && !arg.startsWith("\"\"\"")) {
                        arg = arg.substring(1, arg.length() - 1);
                    }
                    froms.add(arg);
                }
            }
            // every odd occurrence of """ opens a block, every even one closes it
            int at = 0;
            while ((at = line.indexOf("\"\"\"", at)) >= 0) {
                inBlock = !inBlock;
                at += 3;
            }
        }
        return froms.size() == 1 && !inBlock ? Optional.of(froms.get(0)) : Optional.empty();
    }

    @Override
    public void register(String name, Path file, String sha256) {
        open();
        String digest = "sha256:" + sha256;
        if (http.head("api/blobs/" + digest, Duration.ofSeconds(30)) != 200) {
            http.postFile("api/blobs/" + digest, file, Duration.ofHours(2));
        }
        ObjectNode body = Http.JSON.createObjectNode();
        body.put("model", name);
        body.putObject("files").put(file.getFileName().toString(), digest);
        body.put("stream", false);
        JsonNode answer = http.post("api/create", body, Duration.ofHours(1));
        if (!answer.path("status").asText().equals("success")) {
            throw new CallFailedException(FailureKind.BAD_RESPONSE, id + " did not create " + name + ": " + answer);
        }
    }

    private ObjectNode chunk(String chatId, String model) {
        ObjectNode chunk = Http.JSON.createObjectNode();
        chunk.put("id", chatId);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", context.clock().instant().getEpochSecond());
        chunk.put("model", model);
        chunk.putArray("choices");
        return chunk;
    }

    @Override
    public Embeddings embed(EmbedRequest request) {
        open();
        ObjectNode body = Http.JSON.createObjectNode();
        body.put("model", request.model());
        ArrayNode input = body.putArray("input");
        request.input().forEach(input::add);
        JsonNode r = http.post("api/embed", body, Duration.ofSeconds(120));
        List<float[]> vectors = new ArrayList<>();
        for (JsonNode v : r.path("embeddings")) {
            float[] f = new float[v.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) v.get(i).asDouble();
            }
            vectors.add(f);
        }
        if (vectors.size() != request.input().size()) {
            throw new CallFailedException(FailureKind.BAD_RESPONSE, id + " returned " + vectors.size()
                    + " embeddings for " + request.input().size() + " inputs");
        }
        return new Embeddings(request.model(), vectors, r.path("prompt_eval_count").asInt(0));
    }

}
