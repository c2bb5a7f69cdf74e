package farm.llama.atmosphere.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A LlamaFarm server as its API answers: {@code /health}, {@code GET /v1/projects/{namespace}}
 * ({@code {total, projects:[{namespace, name, config}]}} with llamafarm.yaml configs) and
 * {@code POST /v1/projects/{namespace}/{project}/chat/completions} (one chat.completion).
 */
public final class FakeLlamaFarm extends FakeBackend {

    /** Projects of namespace {@code default}: name → system prompt. */
    public final Map<String, String> projects = new LinkedHashMap<>();

    public FakeLlamaFarm() throws IOException {
        route("/health", ex -> json(ex, 200, "{\"status\":\"healthy\",\"summary\":\"ok\"}"));
        route("/v1/projects/", this::projects);
        start();
    }

    private void projects(HttpExchange ex) throws IOException {
        String[] parts = ex.getRequestURI().getPath().split("/");
        // /v1/projects/{ns}[/{name}/chat/completions]
        if (parts.length == 4 && ex.getRequestMethod().equals("GET")) {
            ObjectNode out = JSON.createObjectNode();
            ArrayNode list = out.putArray("projects");
            if (parts[3].equals("default")) {
                projects.forEach((name, prompt) -> {
                    ObjectNode p = list.addObject();
                    p.put("namespace", "default");
                    p.put("name", name);
                    ObjectNode config = p.putObject("config");
                    config.put("version", "v1");
                    config.put("name", name);
                    config.put("namespace", "default");
                    ObjectNode model = config.putObject("runtime").putArray("models").addObject();
                    model.put("name", "default");
                    model.put("provider", "ollama");
                    model.put("model", "llama3.2:3b");
                    ObjectNode promptSet = config.putArray("prompts").addObject();
                    promptSet.put("name", "default");
                    ObjectNode message = promptSet.putArray("messages").addObject();
                    message.put("role", "system");
                    message.put("content", prompt);
                    config.putObject("rag").putArray("databases").addObject().put("name", "main_db");
                });
            }
            out.put("total", list.size());
            json(ex, 200, out.toString());
            return;
        }
        if (parts.length == 7 && ex.getRequestMethod().equals("POST")) {
            JsonNode body = body(ex);
            chatCalls.incrementAndGet();
            chatBodies.add(body);
            if (!projects.containsKey(parts[4])) {
                json(ex, 404, "{\"detail\":\"Project " + parts[4] + " not found\"}");
                return;
            }
            json(ex, 200, "{\"id\":\"chatcmpl-lf1\",\"object\":\"chat.completion\",\"created\":1741569952,\"model\":\"llama3.2:3b\","
                    + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + String.join("", REPLY)
                    + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":9,\"total_tokens\":21}}");
            return;
        }
        json(ex, 404, "{\"detail\":\"Not Found\"}");
    }
}
