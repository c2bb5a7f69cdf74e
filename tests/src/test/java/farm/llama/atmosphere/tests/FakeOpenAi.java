package farm.llama.atmosphere.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * An OpenAI-compatible server (as llama.cpp's server, vLLM and LM Studio answer) replaying
 * OpenAI's API reference: {@code /v1/models}, {@code /v1/chat/completions} ({@code data:} SSE
 * lines and {@code [DONE]}, or one JSON), {@code /v1/embeddings}, and its error bodies.
 */
public final class FakeOpenAi extends FakeBackend {

    /** When set, a stream holds its second word until this opens. */
    public volatile java.util.concurrent.CountDownLatch afterFirstWord;

    /** The models it lists and serves. */
    public volatile List<String> models = List.of("llama3.2", "text-embedding-3-small");
    /**
     * Who it says it is in /v1/models' {@code owned_by}: {@code llamacpp} (llama.cpp's server, the default),
     * {@code vllm}, or another (LM Studio says {@code organization_owner}, OpenAI {@code system}); only
     * llama.cpp and vLLM continue a trailing assistant message (with continue_final_message), the others refuse one.
     */
    public volatile String ownedBy = "llamacpp";
    /** If set, requests must carry this bearer key. */
    volatile Optional<String> apiKey = Optional.empty();

    /** What a scripted turn answers: text, or calls of tools (name and JSON arguments). */
    public record Turn(String text, List<String[]> toolCalls) {
        public static Turn say(String text) {
            return new Turn(text, List.of());
        }

        public static Turn call(String name, String argumentsJson) {
            return new Turn(null, List.<String[]>of(new String[] {name, argumentsJson}));
        }
    }

    /** If set, decides each chat answer from the request body (as a model choosing tools would). */
    public volatile java.util.function.Function<JsonNode, Turn> script;

    public FakeOpenAi() throws IOException {
        route("/v1/models", this::models);
        route("/v1/chat/completions", this::chat);
        route("/v1/embeddings", this::embeddings);
        start();
    }

    private boolean authorized(HttpExchange ex) throws IOException {
        if (apiKey.isEmpty() || ("Bearer " + apiKey.get()).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            return true;
        }
        json(ex, 401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-*****. You can find your API key at"
                + " https://platform.openai.com/account/api-keys.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
        return false;
    }

    private void models(HttpExchange ex) throws IOException {
        if (!authorized(ex)) {
            return;
        }
        StringBuilder sb = new StringBuilder("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < models.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"id\":\"").append(models.get(i)).append("\",\"object\":\"model\",\"created\":1686935002,\"owned_by\":\"").append(ownedBy).append("\"}");
        }
        json(ex, 200, sb.append("]}").toString());
    }

    private void chat(HttpExchange ex) throws IOException {
        if (!authorized(ex)) {
            return;
        }
        JsonNode body = body(ex);
        chatCalls.incrementAndGet();
        chatBodies.add(body);
        String model = body.path("model").asText();
        if (chatStatus != 0) {
            json(ex, chatStatus, "{\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\","
                    + "\"type\":\"server_error\",\"param\":null,\"code\":null}}");
            return;
        }
        if (!models.contains(model)) {
            json(ex, 404, "{\"error\":{\"message\":\"The model `" + model + "` does not exist or you do not have access to it.\","
                    + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}");
            return;
        }
        int from = 0;
        boolean continuing = endsWithAssistant(body.path("messages"));
        if (continuing || body.has("continue_final_message") || body.has("add_generation_prompt")) {
            String refusal = continuationRefusal(body);
            if (refusal != null) {
                json(ex, 400, "{\"error\":{\"message\":" + JSON.writeValueAsString(refusal) + ",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
                return;
            }
            if (continuing) {
                continuations.add(body);
                from = (Integer) prefixWords(body.path("messages"));
            }
        }
        sleep(firstByteDelayMs);
        java.util.function.Function<JsonNode, Turn> sc = script;
        if (sc != null) {
            scripted(ex, body, model, sc.apply(body));
            return;
        }
        if (!body.path("stream").asBoolean(false)) {
            json(ex, 200, "{\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion\",\"created\":1741569952,"
                    + "\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                    + String.join("", REPLY) + "\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":10,\"total_tokens\":29},\"service_tier\":\"default\"}");
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        String head = "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"" + model
                + "\",\"system_fingerprint\":\"fp_44709d6fcb\",";
        if (!writeLine(out, "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n")) {
            return;
        }
        int sent = 0;
        int limit = body.path("max_tokens").asInt(body.path("max_completion_tokens").asInt(Integer.MAX_VALUE));
        String finish = "stop";
        for (String word : REPLY.subList(from, REPLY.size())) {
            if (sent >= limit) {
                finish = "length";
                break;
            }
            if (dropAfterChunks >= 0 && sent >= dropAfterChunks && !continuing) {
                throw new IOException("dropping the connection mid-stream, as asked");
            }
            if (!writeLine(out, "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + JSON.writeValueAsString(word)
                    + "},\"logprobs\":null,\"finish_reason\":null}]}\n\n")) {
                return;
            }
            sent++;
            sleep(chunkDelayMs);
            java.util.concurrent.CountDownLatch gate = afterFirstWord;
            if (sent == 1 && gate != null) {
                try {
                    gate.await(); // the next word waits until the test has seen this one
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        writeLine(out, "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"" + finish + "\"}]}\n\n");
        if (body.path("stream_options").path("include_usage").asBoolean(false)) {
            int prompt = 19 + from; // the prefix is part of the prompt
            writeLine(out, "data: " + head + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + sent
                    + ",\"total_tokens\":" + (prompt + sent) + "}}\n\n");
        }
        writeLine(out, "data: [DONE]\n\n");
    }

    /**
     * @return why this server refuses a request with a trailing assistant message or the continuation parameters, or
     *         null when it continues it: llama.cpp and vLLM need continue_final_message with add_generation_prompt false
     *         (both true is an error there); LM Studio and OpenAI know neither parameter and answer a trailing assistant
     *         message afresh, which a continuation must never get
     */
    private String continuationRefusal(JsonNode body) {
        boolean knows = ownedBy.equals("llamacpp") || ownedBy.equals("vllm");
        if (!knows) {
            return body.has("continue_final_message") || body.has("add_generation_prompt")
                    ? "Unrecognized request argument supplied: " + (body.has("continue_final_message") ? "continue_final_message" : "add_generation_prompt")
                    : "this server does not continue a trailing assistant message: it would answer it afresh";
        }
        if (body.path("continue_final_message").asBoolean(false) && body.path("add_generation_prompt").asBoolean(true)) {
            return "Cannot set both add_generation_prompt and continue_final_message to true.";
        }
        if (!endsWithAssistant(body.path("messages"))) {
            return body.path("continue_final_message").asBoolean(false) ? "continue_final_message needs a final assistant message" : null;
        }
        if (!body.path("continue_final_message").asBoolean(false)) {
            return "this stand-in continues only with continue_final_message: true";
        }
        Object words = prefixWords(body.path("messages"));
        return words instanceof String why ? why : null;
    }

    /** Answers as OpenAI does when a model calls tools: message.tool_calls, or streamed deltas with argument fragments. */
    private void scripted(HttpExchange ex, JsonNode body, String model, Turn turn) throws IOException {
        boolean calls = !turn.toolCalls().isEmpty();
        String finish = calls ? "tool_calls" : "stop";
        if (!body.path("stream").asBoolean(false)) {
            StringBuilder msg = new StringBuilder("{\"role\":\"assistant\",\"content\":");
            msg.append(calls ? "null" : JSON.writeValueAsString(turn.text()));
            if (calls) {
                msg.append(",\"tool_calls\":[");
                for (int i = 0; i < turn.toolCalls().size(); i++) {
                    String[] c = turn.toolCalls().get(i);
                    msg.append(i > 0 ? "," : "").append("{\"id\":\"call_").append(chatCalls.get()).append('_').append(i)
                            .append("\",\"type\":\"function\",\"function\":{\"name\":").append(JSON.writeValueAsString(c[0]))
                            .append(",\"arguments\":").append(JSON.writeValueAsString(c[1])).append("}}");
                }
                msg.append(']');
            }
            msg.append(",\"refusal\":null}");
            json(ex, 200, "{\"id\":\"chatcmpl-abc123\",\"object\":\"chat.completion\",\"created\":1699896916,\"model\":\"" + model
                    + "\",\"choices\":[{\"index\":0,\"message\":" + msg + ",\"logprobs\":null,\"finish_reason\":\"" + finish + "\"}],"
                    + "\"usage\":{\"prompt_tokens\":82,\"completion_tokens\":17,\"total_tokens\":99}}");
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        String head = "{\"id\":\"chatcmpl-abc123\",\"object\":\"chat.completion.chunk\",\"created\":1699896916,\"model\":\"" + model + "\",";
        if (!calls) {
            writeLine(out, "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":"
                    + JSON.writeValueAsString(turn.text()) + "},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        } else {
            writeLine(out, "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
            for (int i = 0; i < turn.toolCalls().size(); i++) {
                String[] c = turn.toolCalls().get(i);
                writeLine(out, "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":" + i + ",\"id\":\"call_"
                        + chatCalls.get() + "_" + i + "\",\"type\":\"function\",\"function\":{\"name\":" + JSON.writeValueAsString(c[0])
                        + ",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
                int half = c[1].length() / 2; // arguments arrive in fragments
                for (String part : List.of(c[1].substring(0, half), c[1].substring(half))) {
                    if (dropAfterChunks >= 0) {
                        throw new IOException("dropping the connection in the middle of a tool call, as asked");
                    }
                    writeLine(out, "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":" + i
                            + ",\"function\":{\"arguments\":" + JSON.writeValueAsString(part) + "}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
                }
            }
        }
        writeLine(out, "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"" + finish + "\"}]}\n\n");
        writeLine(out, "data: [DONE]\n\n");
    }

    private void embeddings(HttpExchange ex) throws IOException {
        if (!authorized(ex)) {
            return;
        }
        JsonNode body = body(ex);
        JsonNode input = body.path("input");
        int n = input.isArray() ? input.size() : 1;
        StringBuilder sb = new StringBuilder("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"object\":\"embedding\",\"embedding\":[0.0023064255,-0.009327292,-0.0028842222,").append(i).append(".25],\"index\":").append(i).append('}');
        }
        json(ex, 200, sb.append("],\"model\":\"").append(body.path("model").asText())
                .append("\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}").toString());
    }
}
