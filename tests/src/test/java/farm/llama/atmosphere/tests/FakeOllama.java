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
        start();
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
        if (tools) {
            String call = "{\"model\":\"" + model + "\",\"created_at\":\"2024-07-22T20:33:28.123648Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\","
                    + "\"tool_calls\":[{\"function\":{\"name\":\"get_current_weather\",\"arguments\":{\"format\":\"celsius\",\"location\":\"Paris, FR\"}}}]},\"done\":false}\n";
            if (!writeLine(out, call)) {
                return;
            }
        } else {
            for (String word : REPLY) {
                if (dropAfterChunks >= 0 && sent >= dropAfterChunks) {
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
                + "\"done\":true,\"done_reason\":\"stop\",\"total_duration\":4883583458,\"load_duration\":1334875,\"prompt_eval_count\":26,"
                + "\"prompt_eval_duration\":342546000,\"eval_count\":" + REPLY.size() + ",\"eval_duration\":4535599000}\n");
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
