package farm.llama.atmosphere.plugin.discovery.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.plugin.discovery.common.Http;
import farm.llama.atmosphere.plugin.discovery.common.HttpBackendClient;
import farm.llama.atmosphere.plugin.discovery.common.SseChatStream;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.ChatStream;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.discovery.BackendClient;
import farm.llama.atmosphere.spi.discovery.BackendInfo;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.discovery.ModelProfiles;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Flow;

/**
 * A client for one OpenAI-compatible server: {@code /v1/models}, {@code /v1/chat/completions}
 * (SSE stream, passed through chunk by chunk) and {@code /v1/embeddings}.
 */
final class OpenAiClient extends HttpBackendClient {

    private volatile String flavour = "";
    private final Optional<Boolean> continues;

    /**
     * @param context the node
     * @param url the server's root
     * @param apiKey the key to send, if any
     * @param continues the owner's word on whether it continues a trailing assistant message (empty: detected)
     */
    OpenAiClient(NodeContext context, URI url, Optional<String> apiKey, Optional<Boolean> continues) {
        super(context, "openai", url, apiKey);
        this.continues = continues;
    }

    /**
     * How this server continues a trailing assistant message, if it does. vLLM documents
     * {@code continue_final_message} (with {@code add_generation_prompt: false}); llama.cpp's server
     * continues a trailing assistant message by default ({@code --no-prefill-assistant} turns that
     * off) and reads {@code continue_final_message} in recent versions. They say who they are in
     * {@code owned_by}. OpenAI and LM Studio document no such thing: not without the owner's word.
     *
     * @param ownedBy the model's {@code owned_by}
     * @return the {@link Capability#CONTINUES} value, or empty when it cannot
     */
    Optional<String> continuation(String ownedBy) {
        if (continues.isPresent()) {
            return continues.get() ? Optional.of("configured") : Optional.empty();
        }
        return ownedBy.equals("vllm") || ownedBy.equals("llamacpp") ? Optional.of("documented") : Optional.empty();
    }

    void probe(Duration timeout) {
        JsonNode models = http.get("v1/models", timeout);
        if (!models.path("data").isArray()) {
            throw new CallFailedException(FailureKind.BAD_RESPONSE, id + " answered /v1/models without a data list");
        }
        flavour = models.path("data").path(0).path("owned_by").asText("");
    }

    @Override
    protected String version() {
        return flavour;
    }

    @Override
    public List<Capability> capabilities() {
        open();
        JsonNode models = http.get("v1/models", Duration.ofSeconds(5));
        List<Capability> out = new ArrayList<>();
        for (JsonNode m : models.path("data")) {
            String name = m.path("id").asText();
            if (name.isEmpty()) {
                continue;
            }
            ModelProfiles.Profile p = ModelProfiles.describe(name, List.of());
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("backend", id);
            meta.put("backendType", "openai");
            if (m.hasNonNull("owned_by")) {
                meta.put("ownedBy", m.get("owned_by").asText());
            }
            continuation(m.path("owned_by").asText("")).ifPresent(c -> meta.put(Capability.CONTINUES, c));
            // an OpenAI-compatible server has its models loaded when it lists them (LM Studio lists loaded ones)
            meta.put("loaded", "true");
            List<String> tags = new ArrayList<>(p.tags());
            tags.add("warm");
            out.add(new Capability(id + "/" + name, context.nodeId(), p.type(), name, p.description(), List.of(name),
                    tags, http.base().toString(), meta));
        }
        return out;
    }

    @Override
    public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
        return ChatStream.publisher("openai-chat", () -> stream(request));
    }

    /** Runs the chat on the caller's thread: the request's own thread reads the backend's events. */
    @Override
    public ChatStream stream(ChatRequest request) {
        open();
        String path = "v1/chat/completions";
        return new SseChatStream(http.stream(path, streamingBody(request), request.timeout()), id, http, path);
    }

    /**
     * @return the request as this backend gets it: the client's fields as they are (copied token by token, no tree),
     *         with this backend's model name, {@code stream: true} and usage in the stream; a request to continue the
     *         last (assistant) message also says {@code add_generation_prompt: false}, as vLLM and llama.cpp require
     */
    static String streamingBody(ChatRequest request) {
        StringWriter out = new StringWriter(request.json().length() + 96);
        try (JsonParser in = Http.JSON.createParser(request.json()); JsonGenerator gen = Http.JSON.createGenerator(out)) {
            if (in.nextToken() != JsonToken.START_OBJECT) {
                throw new CallFailedException(FailureKind.INVALID_REQUEST, "the chat request is not a JSON object");
            }
            gen.writeStartObject();
            boolean continuing = false;
            Boolean generationPrompt = null;
            while (in.nextToken() == JsonToken.FIELD_NAME) {
                String field = in.currentName();
                JsonToken value = in.nextToken();
                if (field.equals("model") || field.equals("stream") || field.equals("stream_options")) {
                    in.skipChildren(); // replaced below
                } else if (field.equals("add_generation_prompt") && value.isBoolean()) {
                    generationPrompt = value == JsonToken.VALUE_TRUE; // written below: a continuation says false
                } else {
                    continuing |= field.equals(ChatRequest.CONTINUE_FINAL_MESSAGE) && value == JsonToken.VALUE_TRUE;
                    gen.writeFieldName(field);
                    gen.copyCurrentStructure(in);
                }
            }
            if (continuing || generationPrompt != null) {
                gen.writeBooleanField("add_generation_prompt", !continuing && generationPrompt);
            }
            gen.writeStringField("model", request.model());
            gen.writeBooleanField("stream", true);
            gen.writeObjectFieldStart("stream_options");
            gen.writeBooleanField("include_usage", true);
            gen.writeEndObject();
            gen.writeEndObject();
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "the chat request is not valid JSON: " + e.getMessage());
        }
        return out.toString();
    }

    @Override
    public Embeddings embed(EmbedRequest request) {
        open();
        ObjectNode body = Http.JSON.createObjectNode();
        body.put("model", request.model());
        ArrayNode input = body.putArray("input");
        request.input().forEach(input::add);
        body.put("encoding_format", "float");
        JsonNode r = http.post("v1/embeddings", body, Duration.ofSeconds(120));
        List<float[]> vectors = new ArrayList<>();
        for (JsonNode d : r.path("data")) {
            JsonNode e = d.path("embedding");
            if (e.isTextual()) {
                ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(e.asText())).order(ByteOrder.LITTLE_ENDIAN);
                float[] f = new float[b.remaining() / 4];
                b.asFloatBuffer().get(f);
                vectors.add(f);
            } else {
                float[] f = new float[e.size()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) e.get(i).asDouble();
                }
                vectors.add(f);
            }
        }
        if (vectors.size() != request.input().size()) {
            throw new CallFailedException(FailureKind.BAD_RESPONSE, id + " returned " + vectors.size()
                    + " embeddings for " + request.input().size() + " inputs");
        }
        return new Embeddings(request.model(), vectors, r.path("usage").path("prompt_tokens").asInt(0));
    }

}
