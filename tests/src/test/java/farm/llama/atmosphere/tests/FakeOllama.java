package farm.llama.atmosphere.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * An Ollama server as its API documentation shows it: {@code /api/version}, {@code /api/tags},
 * {@code /api/ps}, {@code /api/chat} (NDJSON stream or one JSON), {@code /api/embed}, and its
 * {@code {"error": "..."}} bodies.
 */
public final class FakeOllama extends FakeBackend {

    /** Models it lists: name, family, parameter size. */
    volatile List<String[]> models = List.of(
            new String[] {"llama3.2:latest", "llama", "3.2B"},
            new String[] {"qwen2.5-coder:7b", "qwen2", "7.6B"},
            new String[] {"llava:13b", "llama", "13B"},
            new String[] {"nomic-embed-text:latest", "nomic-bert", "137M"});
    /** Models it reports as loaded. */
    volatile List<String> loaded = List.of("llama3.2:latest");

    public FakeOllama() throws IOException {
        route("/api/version", ex -> json(ex, 200, "{\"version\":\"0.6.5\"}"));
        route("/api/tags", this::tags);
        route("/api/ps", this::ps);
        route("/api/chat", this::chat);
        route("/api/embed", this::embed);
        route("/api/pull", this::pull);
        route("/api/show", this::show);
        route("/api/blobs/", this::blob);
        route("/api/create", this::create);
        start();
    }

    /**
     * Lists only these models from now on (family and size made up from the name).
     *
     * @param names model names with their tags, e.g. {@code llama3.2:latest}
     * @return this server
     */
    public FakeOllama serving(String... names) {
        List<String[]> next = new java.util.ArrayList<>();
        for (String n : names) {
            next.add(new String[] {n, n.replaceAll("[^a-z].*", ""), "3B"});
        }
        models = List.copyOf(next);
        return this;
    }

    /** Where models' weights lie on this machine, named by /api/show's modelfile ({@code FROM <path>}). */
    volatile java.util.Map<String, java.nio.file.Path> weights = java.util.Map.of();
    /** Blobs pushed with POST /api/blobs/sha256:…, by digest: their sizes. */
    final java.util.Map<String, Long> blobs = new java.util.concurrent.ConcurrentHashMap<>();
    /** Bodies of /api/create requests. */
    final List<JsonNode> created = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Modelfiles /api/show answers as they are, by model (over {@link #weights}): what a crafted server could say. */
    volatile java.util.Map<String, String> modelfiles = java.util.Map.of();

    /** Llama 3.2's template as Ollama's library ships it: an assistant turn is closed only when it is not the last ({@code not $last}). */
    public static final String OPEN_TEMPLATE = "{{- range $i, $_ := .Messages }}{{- $last := eq (len (slice $.Messages $i)) 1 }}"
            + "{{- if eq .Role \"user\" }}<|start_header_id|>user<|end_header_id|>\n\n{{ .Content }}<|eot_id|>"
            + "{{ if $last }}<|start_header_id|>assistant<|end_header_id|>\n\n{{ end }}"
            + "{{- else if eq .Role \"assistant\" }}<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Content }}"
            + "{{ if not $last }}<|eot_id|>{{ end }}{{- end }}{{- end }}";
    /** A template that closes every assistant turn (the Llama 3 example of Ollama's template docs): it cannot continue one. */
    public static final String CLOSED_TEMPLATE = "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n"
            + "{{ .Content }}<|eot_id|>{{- end }}<|start_header_id|>assistant<|end_header_id|>\n\n";

    /** Chat templates /api/show answers, by model (without one: {@code {{ .Prompt }}}, which continues nothing). */
    public volatile java.util.Map<String, String> templates = java.util.Map.of();

    /** How many /api/show requests arrived. */
    final java.util.concurrent.atomic.AtomicInteger showCalls = new java.util.concurrent.atomic.AtomicInteger();

    /** Ollama's /api/show: the modelfile names the blob the weights are in. */
    private void show(HttpExchange ex) throws IOException {
        showCalls.incrementAndGet();
        String model = body(ex).path("model").asText();
        String crafted = modelfiles.getOrDefault(model, modelfiles.get(model.replace(":latest", "")));
        if (crafted != null) {
            json(ex, 200, JSON.writeValueAsString(java.util.Map.of("modelfile", crafted, "details", java.util.Map.of("format", "gguf"))));
            return;
        }
        String template = templates.getOrDefault(model, templates.get(model.replace(":latest", "")));
        if (template != null) {
            json(ex, 200, JSON.writeValueAsString(java.util.Map.of("modelfile", "FROM " + model + "\nTEMPLATE \"\"\"" + template + "\"\"\"\n",
                    "template", template, "details", java.util.Map.of("format", "gguf", "family", "llama"))));
            return;
        }
        java.nio.file.Path w = weights.getOrDefault(model, weights.get(model.replace(":latest", "")));
        if (w == null) {
            json(ex, 404, "{\"error\":\"model '" + model + "' not found\"}");
            return;
        }
        String modelfile = "# Modelfile generated by \"ollama show\"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM "
                + model + "\n\nFROM " + w + "\nTEMPLATE {{ .Prompt }}\nPARAMETER stop \"<|eot_id|>\"\n";
        json(ex, 200, JSON.writeValueAsString(java.util.Map.of("modelfile", modelfile, "parameters", "stop \"<|eot_id|>\"",
                "template", "{{ .Prompt }}", "details", java.util.Map.of("format", "gguf", "family", "llama"))));
    }

    /** Ollama's blob store: HEAD says whether a digest is there; POST stores a body that hashes to it (201), else 400. */
    private void blob(HttpExchange ex) throws IOException {
        String digest = ex.getRequestURI().getPath().substring("/api/blobs/".length());
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(blobs.containsKey(digest) ? 200 : 404, -1);
            ex.close();
            return;
        }
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
        long size = 0;
        try (java.io.InputStream in = ex.getRequestBody()) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                size += n;
            }
        }
        String got = "sha256:" + java.util.HexFormat.of().formatHex(sha.digest());
        if (!got.equals(digest)) {
            json(ex, 400, "{\"error\":\"digest mismatch, expected \\\"" + digest + "\\\", got \\\"" + got + "\\\"\"}");
            return;
        }
        blobs.put(digest, size);
        ex.sendResponseHeaders(201, -1);
        ex.close();
    }

    /** Ollama's /api/create from files already pushed as blobs; the model is then listed. */
    private void create(HttpExchange ex) throws IOException {
        JsonNode b = body(ex);
        for (JsonNode digest : b.path("files")) {
            if (!blobs.containsKey(digest.asText())) {
                json(ex, 400, "{\"error\":\"neither 'from' or 'files' was specified\"}");
                return;
            }
        }
        created.add(b);
        String name = b.path("model").asText();
        name = name.contains(":") ? name : name + ":latest";
        List<String[]> next = new java.util.ArrayList<>(models);
        next.add(new String[] {name, "llama", "1.1B"});
        models = List.copyOf(next);
        json(ex, 200, "{\"status\":\"success\"}");
    }

    /** Models pulled through /api/pull, in order. */
    final List<String> pulled = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Ollama's /api/pull: NDJSON progress, then the model is listed. A name containing "missing" does not exist. */
    private void pull(HttpExchange ex) throws IOException {
        String model = body(ex).path("model").asText();
        ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
        ex.sendResponseHeaders(200, 0);
        try (java.io.OutputStream out = ex.getResponseBody()) {
            writeLine(out, "{\"status\":\"pulling manifest\"}\n");
            if (model.contains("missing")) {
                writeLine(out, "{\"error\":\"pull model manifest: file does not exist\"}\n");
                return;
            }
            String digest = "sha256:6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa";
            for (long done = 0; done <= 1000; done += 250) {
                writeLine(out, "{\"status\":\"pulling " + digest.substring(7, 19) + "\",\"digest\":\"" + digest
                        + "\",\"total\":1000,\"completed\":" + done + "}\n");
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            writeLine(out, "{\"status\":\"verifying sha256 digest\"}\n");
            writeLine(out, "{\"status\":\"writing manifest\"}\n");
            String name = model.contains(":") ? model : model + ":latest";
            List<String[]> next = new java.util.ArrayList<>(models);
            next.add(new String[] {name, "phi3", "3.8B"});
            models = List.copyOf(next);
            pulled.add(name);
            writeLine(out, "{\"status\":\"success\"}\n");
        }
    }

    private void tags(HttpExchange ex) throws IOException {
        StringBuilder sb = new StringBuilder("{\"models\":[");
        for (int i = 0; i < models.size(); i++) {
            String[] m = models.get(i);
            if (i > 0) {
                sb.append(',');
            }
            String families = m[0].startsWith("llava") ? "[\"llama\",\"clip\"]" : "[\"" + m[1] + "\"]";
            sb.append("{\"name\":\"").append(m[0]).append("\",\"model\":\"").append(m[0])
              .append("\",\"modified_at\":\"2025-05-04T17:37:44.706015396-07:00\",\"size\":2019393189,")
              .append("\"digest\":\"a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72\",")
              .append("\"details\":{\"parent_model\":\"\",\"format\":\"gguf\",\"family\":\"").append(m[1])
              .append("\",\"families\":").append(families).append(",\"parameter_size\":\"").append(m[2])
              .append("\",\"quantization_level\":\"Q4_K_M\"}}");
        }
        json(ex, 200, sb.append("]}").toString());
    }

    private void ps(HttpExchange ex) throws IOException {
        StringBuilder sb = new StringBuilder("{\"models\":[");
        for (int i = 0; i < loaded.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"name\":\"").append(loaded.get(i)).append("\",\"model\":\"").append(loaded.get(i))
              .append("\",\"size\":5137025024,\"digest\":\"2ae6f6dd7a3dd734790bbbf58b8909a606e0e7e97e94b7604e0aa7ae4490e6d8\",")
              .append("\"expires_at\":\"2024-06-04T14:38:31.83753-07:00\",\"size_vram\":5137025024}");
        }
        json(ex, 200, sb.append("]}").toString());
    }

    private boolean known(String model) {
        return models.stream().anyMatch(m -> m[0].equals(model) || m[0].equals(model + ":latest"));
    }

    private void chat(HttpExchange ex) throws IOException {
        JsonNode body = body(ex);
        chatCalls.incrementAndGet();
        chatBodies.add(body);
        String model = body.path("model").asText();
        if (chatStatus != 0) {
            json(ex, chatStatus, "{\"error\":\"something went wrong loading the model\"}");
            return;
        }
        if (!known(model)) {
            json(ex, 404, "{\"error\":\"model \\\"" + model + "\\\" not found, try pulling it first\"}");
            return;
        }
        int from = 0;
        boolean continuing = endsWithAssistant(body.path("messages"));
        if (continuing) {
            // Ollama continues a trailing assistant message only where the model's template leaves the last one open
            String template = templates.getOrDefault(model, templates.get(model.replace(":latest", "")));
            Object words = prefixWords(body.path("messages"));
            String refusal = body.has("continue_final_message") || body.has("add_generation_prompt") ? "unexpected continuation parameters for Ollama"
                    : template == null || !template.contains("not $last") ? "the template of " + model + " would answer the assistant message afresh"
                    : words instanceof String why ? why : null;
            if (refusal != null) {
                json(ex, 400, "{\"error\":" + JSON.writeValueAsString(refusal) + "}");
                return;
            }
            continuations.add(body);
            from = (Integer) words;
        }
        sleep(firstByteDelayMs);
        boolean tools = body.has("tools");
        if (!body.path("stream").asBoolean(true)) {
            json(ex, 200, "{\"model\":\"" + model + "\",\"created_at\":\"2023-12-12T14:13:43.416799Z\",\"message\":{\"role\":\"assistant\",\"content\":\""
                    + String.join("", REPLY) + "\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":5191566416,"
                    + "\"load_duration\":2154458,\"prompt_eval_count\":26,\"prompt_eval_duration\":383809000,\"eval_count\":298,\"eval_duration\":4799921000}");
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        int sent = 0;
        boolean length = false;
        if (tools) {
            String call = "{\"model\":\"" + model + "\",\"created_at\":\"2024-07-22T20:33:28.123648Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\","
                    + "\"tool_calls\":[{\"function\":{\"name\":\"get_current_weather\",\"arguments\":{\"format\":\"celsius\",\"location\":\"Paris, FR\"}}}]},\"done\":false}\n";
            if (!writeLine(out, call)) {
                return;
            }
            if (dropAfterChunks >= 0) {
                throw new IOException("dropping the connection after a tool call began, as asked");
            }
        } else {
            int limit = body.path("options").path("num_predict").asInt(Integer.MAX_VALUE);
            for (String word : REPLY.subList(from, REPLY.size())) {
                if (sent >= limit) {
                    length = true;
                    break;
                }
                if (dropAfterChunks >= 0 && sent >= dropAfterChunks && !continuing) {
                    ex.getHttpContext().getServer();
                    throw new IOException("dropping the connection mid-stream, as asked");
                }
                String line = "{\"model\":\"" + model + "\",\"created_at\":\"2023-08-04T08:52:19.385406455-07:00\",\"message\":{\"role\":\"assistant\",\"content\":"
                        + JSON.writeValueAsString(word) + "},\"done\":false}\n";
                if (!writeLine(out, line)) {
                    return;
                }
                sent++;
                sleep(chunkDelayMs);
            }
        }
        writeLine(out, "{\"model\":\"" + model + "\",\"created_at\":\"2023-08-04T19:22:45.499127Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"done\":true,\"done_reason\":\"" + (length ? "length" : "stop") + "\",\"total_duration\":4883583458,\"load_duration\":1334875,"
                + "\"prompt_eval_count\":" + (26 + from) + ",\"prompt_eval_duration\":342546000,\"eval_count\":" + (tools ? REPLY.size() : sent)
                + ",\"eval_duration\":4535599000}\n");
    }

    private void embed(HttpExchange ex) throws IOException {
        JsonNode body = body(ex);
        JsonNode input = body.path("input");
        int n = input.isArray() ? input.size() : 1;
        StringBuilder sb = new StringBuilder("{\"model\":\"" + body.path("model").asText() + "\",\"embeddings\":[");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("[0.010071029,-0.0017594862,0.05007221,0.04692972,").append(i).append(".5]");
        }
        json(ex, 200, sb.append("],\"total_duration\":14143917,\"load_duration\":1019500,\"prompt_eval_count\":8}").toString());
    }
}
