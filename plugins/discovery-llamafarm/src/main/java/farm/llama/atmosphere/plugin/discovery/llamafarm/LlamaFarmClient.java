package farm.llama.atmosphere.plugin.discovery.llamafarm;

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
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.BackendClient;
import farm.llama.atmosphere.spi.discovery.BackendInfo;
import farm.llama.atmosphere.spi.discovery.Capability;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Flow;

/**
 * A client for one LlamaFarm server. Each project ({@code GET /v1/projects/{namespace}}) is a
 * chat capability named {@code namespace/project}, described by its own words (its description
 * and system prompt) so that routing by meaning reaches the right project; chat goes to
 * {@code POST /v1/projects/{namespace}/{project}/chat/completions}.
 */
final class LlamaFarmClient extends HttpBackendClient {

    private final List<String> namespaces;

    LlamaFarmClient(NodeContext context, URI url, Optional<String> apiKey, List<String> namespaces) {
        super(context, "llamafarm", url, apiKey);
        this.namespaces = List.copyOf(namespaces);
    }

    void probe(Duration timeout) {
        http.get("health", timeout);
    }

    @Override
    protected String version() {
        return "";
    }

    @Override
    public List<Capability> capabilities() {
        open();
        List<Capability> out = new ArrayList<>();
        for (String ns : namespaces) {
            JsonNode list;
            try {
                list = http.get("v1/projects/" + ns, Duration.ofSeconds(5));
            } catch (CallFailedException e) {
                if (e.kind() == FailureKind.NOT_FOUND || e.kind() == FailureKind.INVALID_REQUEST) {
                    continue;
                }
                throw e;
            }
            for (JsonNode p : list.path("projects")) {
                String name = p.path("name").asText();
                if (name.isEmpty() || name.startsWith("test-")) {
                    continue;
                }
                out.add(capability(ns, name, p.path("config")));
            }
        }
        return out;
    }

    /** Describes a project from its own configuration: description, system prompt, models, RAG. */
    Capability capability(String ns, String name, JsonNode config) {
        StringBuilder d = new StringBuilder("LlamaFarm project " + name.replace('-', ' ').replace('_', ' ') + ": ");
        String description = config.path("description").asText("");
        if (!description.isBlank()) {
            d.append(description.trim()).append(' ');
        }
        String system = systemPrompt(config);
        if (!system.isBlank()) {
            d.append(system.length() > 600 ? system.substring(0, 600) : system).append(' ');
        }
        List<String> models = new ArrayList<>();
        for (JsonNode m : config.path("runtime").path("models")) {
            models.add(m.path("model").asText(m.path("name").asText()));
        }
        if (config.path("runtime").hasNonNull("model")) {
            models.add(config.path("runtime").get("model").asText());
        }
        List<String> tags = new ArrayList<>(List.of("llamafarm", "project"));
        JsonNode dbs = config.path("rag").path("databases");
        if (dbs.isArray() && !dbs.isEmpty()) {
            tags.add("rag");
            d.append("Answers from its own documents (retrieval-augmented).");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("backend", id);
        meta.put("backendType", "llamafarm");
        meta.put("namespace", ns);
        meta.put("project", name);
        meta.put("loaded", "true");
        if (!models.isEmpty()) {
            meta.put("runtimeModels", String.join(",", models));
        }
        tags.add("warm");
        String full = ns + "/" + name;
        return new Capability(id + "/" + full, context.nodeId(), "llm/chat", full, d.toString().trim(), List.of(full),
                tags, http.base().toString(), meta);
    }

    /** The project's system prompt: new-style prompt sets or the older flat list. */
    private static String systemPrompt(JsonNode config) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : config.path("prompts")) {
            if (p.path("role").asText().equals("system")) {
                sb.append(p.path("content").asText()).append(' ');
            }
            for (JsonNode m : p.path("messages")) {
                if (m.path("role").asText().equals("system")) {
                    sb.append(m.path("content").asText()).append(' ');
                }
            }
        }
        return sb.toString().trim();
    }

    @Override
    public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
        String model = request.model();
        int slash = model.indexOf('/');
        if (slash <= 0) {
            return BlockingPublisher.failed(new CallFailedException(FailureKind.NOT_FOUND,
                    "LlamaFarm models are projects named namespace/project, got '" + model + "'"));
        }
        ObjectNode body;
        try {
            body = (ObjectNode) Http.JSON.readTree(request.json()).deepCopy();
        } catch (IOException | ClassCastException e) {
            return BlockingPublisher.failed(new CallFailedException(FailureKind.INVALID_REQUEST, "the chat request is not a JSON object"));
        }
        body.remove("model");
        body.put("stream", true);
        String path = "v1/projects/" + model.substring(0, slash) + "/" + model.substring(slash + 1) + "/chat/completions";
        return BlockingPublisher.of("llamafarm-chat", sink -> {
            Http1.ResponseBody in = http.stream(path, body, request.timeout());
            sink.onCancel(in::abort); // closing the connection stops the generation
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String first = reader.readLine();
                while (first != null && first.isBlank()) {
                    first = reader.readLine();
                }
                if (first == null) {
                    throw new CallFailedException(FailureKind.BAD_RESPONSE, id + " answered with an empty body");
                }
                if (!first.startsWith("data:")) {
                    // an older LlamaFarm answers with one chat.completion: replay it as chunks
                    StringBuilder all = new StringBuilder(first);
                    String line;
                    while ((line = reader.readLine()) != null) {
                        all.append('\n').append(line);
                    }
                    completionAsChunks(Http.JSON.readTree(all.toString()), model, sink);
                    return;
                }
                String line = first;
                do {
                    if (!line.startsWith("data:")) {
                        continue;
                    }
                    String data = line.substring(5).trim();
                    if (data.equals("[DONE]")) {
                        return;
                    }
                    JsonNode chunk = Http.JSON.readTree(data);
                    if (chunk.has("error")) {
                        throw new CallFailedException(FailureKind.BAD_RESPONSE, id + " failed mid-stream: " + chunk.get("error"));
                    }
                    boolean last = false;
                    for (JsonNode c : chunk.path("choices")) {
                        last |= c.hasNonNull("finish_reason");
                    }
                    sink.emit(new ChatChunk(chunk.toString(), last));
                } while ((line = reader.readLine()) != null);
                throw new CallFailedException(FailureKind.BAD_RESPONSE, id + " ended the stream without [DONE]");
            } catch (IOException e) {
                if (sink.cancelled()) {
                    return;
                }
                throw http.failure(e, path);
            }
        });
    }

    private void completionAsChunks(JsonNode completion, String model, BlockingPublisher.Sink<ChatChunk> sink) throws InterruptedException {
        JsonNode message = completion.path("choices").path(0).path("message");
        ObjectNode chunk = Http.JSON.createObjectNode();
        chunk.put("id", completion.path("id").asText("chatcmpl-llamafarm"));
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", completion.path("created").asLong(context.clock().instant().getEpochSecond()));
        chunk.put("model", model);
        ArrayNode choices = chunk.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", message.path("content").asText(""));
        choice.put("finish_reason", completion.path("choices").path(0).path("finish_reason").asText("stop"));
        if (completion.has("usage")) {
            chunk.set("usage", completion.get("usage"));
        }
        sink.emit(new ChatChunk(chunk.toString(), true));
    }

    @Override
    public Embeddings embed(EmbedRequest request) {
        throw new CallFailedException(FailureKind.NOT_FOUND, "LlamaFarm projects do not serve embeddings through Atmosphere");
    }

}
