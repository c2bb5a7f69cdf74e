package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.routing.ChatCall;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.BlockingPublisher;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.FailureKind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Requests served on another member, chunk by chunk, over signed envelopes. The asking side sends
 * {@code chat.request} and reads {@code chat.chunk}s until {@code chat.end} or {@code chat.error};
 * a cancelled call sends {@code chat.cancel}, which closes the generation on the serving member's
 * backend. The serving side runs the request on its own backends only (a forwarded request is
 * never forwarded again). A member that dies fails its calls at once, so the router can fail over.
 */
public final class MeshForwarding {

    private static final System.Logger LOG = System.getLogger(MeshForwarding.class.getName());
    private static final ObjectNode LOST = Json.MAPPER.createObjectNode().put("type", "lost");

    /** Runs a forwarded chat on this node's own backends. */
    public interface LocalServing {
        /**
         * @param model the model the asking member chose
         * @param json the OpenAI-format request
         * @param timeout time to the first chunk
         * @return the running call
         */
        ChatCall chat(String model, String json, Duration timeout);

        /**
         * @param model the embedding model the asking member chose
         * @param input the texts
         * @return the vectors
         */
        Embeddings embed(String model, List<String> input);

        /**
         * @param name a tool
         * @param argumentsJson its parameters
         * @param caller the asking member and whom it asks for (checked against tools.grants)
         * @return the result as JSON text
         */
        String runTool(String name, String argumentsJson, Caller caller);

        /**
         * @param type an agent type of this node
         * @param intent what to do
         * @param argsJson extra arguments, a JSON object
         * @param caller the asking member and whom it asks for (checked against tools.grants: agents:invoke)
         * @return the agent's answer as JSON text
         */
        String invokeAgent(String type, String intent, String argsJson, Caller caller);

        /**
         * Has a backend of this node fetch a model.
         *
         * @param model the model
         * @param caller the asking member (checked against tools.grants: models:deploy)
         * @param progress told each progress object (JSON text) as the backend reports it
         */
        void pull(String model, Caller caller, Consumer<String> progress);
    }

    /** Sends a message to a member; blocks while the link is congested rather than dropping it. */
    interface Sender {
        void send(String to, String type, byte[] payload);
    }

    private record Outgoing(String node, LinkedBlockingQueue<JsonNode> queue) {
    }

    private final Sender sender;
    private volatile LocalServing serving;
    private volatile SharingPolicy policy;
    private final Map<String, Outgoing> calls = new ConcurrentHashMap<>();
    private final Map<String, ChatCall> served = new ConcurrentHashMap<>();
    private final String self;

    MeshForwarding(String self, Sender sender) {
        this.self = self;
        this.sender = sender;
    }

    /** Says whom a request is for: the node it began on and what began it there. */
    private void claim(ObjectNode req, Caller caller) {
        ObjectNode c = req.putObject("caller");
        c.put("origin", caller.originFrom(self));
        c.put("principal", caller.principal());
    }

    /** The caller of a request a member sent: the verified sender, for whom it says it asks. */
    private Caller caller(String from, JsonNode m) {
        JsonNode c = m.path("caller");
        return Caller.received(from, c.path("origin").asText(""), c.path("principal").asText(""), self);
    }

    void serving(LocalServing s) {
        this.serving = s;
    }

    void policy(SharingPolicy p) {
        this.policy = p;
    }

    /** Checks the policy for a forwarded request; the returned handle must be closed when it ends. */
    private AutoCloseable admit(String from, String model) {
        SharingPolicy p = policy;
        if (p == null) {
            return () -> { };
        }
        Optional<String> refusal = p.admit(from, model);
        if (refusal.isPresent()) {
            boolean busy = refusal.get().startsWith("rate limit") || refusal.get().contains("try again");
            throw new CallFailedException(busy ? FailureKind.OVERLOADED : FailureKind.REFUSED, refusal.get());
        }
        return () -> p.done(from);
    }

    private void send(String to, String type, ObjectNode body) {
        sender.send(to, type, Json.write(body).getBytes(StandardCharsets.UTF_8));
    }

    /** The asking side: a chat on a member's backends, as a cold publisher of chunks. */
    Flow.Publisher<ChatChunk> chat(String node, ChatRequest request) {
        return BlockingPublisher.of("mesh-chat " + node, sink -> {
            String id = UUID.randomUUID().toString();
            LinkedBlockingQueue<JsonNode> queue = new LinkedBlockingQueue<>();
            calls.put(id, new Outgoing(node, queue));
            sink.onCancel(() -> {
                if (calls.remove(id) != null) {
                    send(node, "chat.cancel", Json.MAPPER.createObjectNode().put("id", id));
                }
            });
            try {
                ObjectNode req = Json.MAPPER.createObjectNode();
                req.put("id", id);
                req.put("model", request.model());
                req.put("json", request.json());
                req.put("timeoutMs", request.timeout().toMillis());
                send(node, "chat.request", req);
                boolean first = true;
                while (true) {
                    // before the first chunk the router's own timeout applies; after it, a silent member is a lost one
                    JsonNode m = queue.poll(first ? request.timeout().toMillis() + 5000 : request.timeout().toMillis(), TimeUnit.MILLISECONDS);
                    if (m == null) {
                        throw new CallFailedException(FailureKind.TIMEOUT, "member " + node + " stopped answering");
                    }
                    switch (m.path("type").asText()) {
                        case "chunk" -> {
                            first = false;
                            sink.emit(new ChatChunk(m.path("json").asText(), m.path("last").asBoolean()));
                            if (m.path("end").asBoolean()) {
                                return;
                            }
                        }
                        case "end" -> {
                            return;
                        }
                        case "lost" -> throw new CallFailedException(FailureKind.UNREACHABLE, "member " + node + " left or died");
                        default -> throw new CallFailedException(kind(m.path("kind").asText()),
                                "member " + node + ": " + m.path("message").asText());
                    }
                }
            } finally {
                calls.remove(id);
            }
        });
    }

    private static FailureKind kind(String k) {
        try {
            return FailureKind.valueOf(k);
        } catch (IllegalArgumentException e) {
            return FailureKind.BAD_RESPONSE;
        }
    }

    /** The asking side: embeddings made on a member's backend; blocks until they arrive. */
    Embeddings embed(String node, EmbedRequest request) {
        ObjectNode req = Json.MAPPER.createObjectNode();
        req.put("model", request.model());
        req.set("input", Json.MAPPER.valueToTree(request.input()));
        JsonNode m = ask(node, "embed.request", req, Duration.ofSeconds(120), r -> Optional.of(r));
        List<float[]> vectors = new ArrayList<>();
        for (JsonNode v : m.path("vectors")) {
            FloatBuffer fb = ByteBuffer.wrap(Base64.getDecoder().decode(v.asText()))
                    .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] f = new float[fb.remaining()];
            fb.get(f);
            vectors.add(f);
        }
        return new Embeddings(m.path("model").asText(), vectors, m.path("promptTokens").asInt());
    }

    /**
     * Sends a request to a member and reads its answers until {@code onAnswer} returns a value;
     * a silent, lost or refusing member fails the call.
     */
    private <T> T ask(String node, String type, ObjectNode req, Duration silence, Function<JsonNode, Optional<T>> onAnswer) {
        String id = UUID.randomUUID().toString();
        LinkedBlockingQueue<JsonNode> queue = new LinkedBlockingQueue<>();
        calls.put(id, new Outgoing(node, queue));
        try {
            req.put("id", id);
            send(node, type, req);
            while (true) {
                JsonNode m = queue.poll(silence.toMillis(), TimeUnit.MILLISECONDS);
                if (m == null) {
                    throw new CallFailedException(FailureKind.TIMEOUT, "member " + node + " did not answer within " + silence.toSeconds() + " s");
                }
                switch (m.path("type").asText()) {
                    case "lost" -> throw new CallFailedException(FailureKind.UNREACHABLE, "member " + node + " left or died");
                    case "error" -> throw new CallFailedException(kind(m.path("kind").asText()), "member " + node + ": " + m.path("message").asText());
                    default -> {
                        Optional<T> done = onAnswer.apply(m);
                        if (done.isPresent()) {
                            return done.get();
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.CANCELLED, "interrupted");
        } finally {
            calls.remove(id);
        }
    }

    private void serveEmbeddings(String from, String id, JsonNode m) {
        try {
            LocalServing s = serving;
            if (s == null) {
                throw new CallFailedException(FailureKind.UNREACHABLE, "this member serves no requests yet");
            }
            List<String> input = new ArrayList<>();
            m.path("input").forEach(t -> input.add(t.asText()));
            Embeddings e;
            try (AutoCloseable admitted = admit(from, m.path("model").asText())) {
                e = s.embed(m.path("model").asText(), input);
            }
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("id", id);
            out.put("model", e.model());
            out.put("promptTokens", e.promptTokens());
            ArrayNode vs = out.putArray("vectors");
            for (float[] v : e.vectors()) {
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                vs.add(Base64.getEncoder().encodeToString(b.array()));
            }
            send(from, "embed.result", out);
        } catch (CallFailedException e) {
            sendError(from, "embed.error", id, e.kind().name(), e.getMessage());
        } catch (Exception e) {
            sendError(from, "embed.error", id, FailureKind.INTERNAL.name(), "failed: " + e);
        }
    }

    /** The asking side: runs a tool on a member for a caller; blocks until the result, the member's refusal or its timeout. */
    String runTool(String node, String name, String argumentsJson, Duration wait, Caller caller) {
        ObjectNode req = Json.MAPPER.createObjectNode();
        req.put("name", name);
        req.put("arguments", argumentsJson);
        claim(req, caller);
        return ask(node, "tool.request", req, wait, m -> Optional.of(m.path("json").asText()));
    }

    private void serveTool(String from, String id, JsonNode m) {
        answer(from, id, "tool", s -> s.runTool(m.path("name").asText(), m.path("arguments").asText("{}"), caller(from, m)));
    }

    /** Runs a request against this node's serving side and sends {@code <prefix>.result} with its JSON, or {@code <prefix>.error}. */
    private void answer(String from, String id, String prefix, Function<LocalServing, String> work) {
        try {
            LocalServing s = serving;
            if (s == null) {
                throw new CallFailedException(FailureKind.UNREACHABLE, "this member serves no requests yet");
            }
            String json = work.apply(s);
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("id", id);
            out.put("json", json);
            send(from, prefix + ".result", out);
        } catch (CallFailedException e) {
            sendError(from, prefix + ".error", id, e.kind().name(), e.getMessage());
        } catch (RuntimeException e) {
            sendError(from, prefix + ".error", id, FailureKind.INTERNAL.name(), "failed: " + e.getMessage());
        }
    }

    /** The asking side: an intent for an agent on a member, for a caller; blocks until its answer or refusal. */
    String invokeAgent(String node, String type, String intent, String argsJson, Duration wait, Caller caller) {
        ObjectNode req = Json.MAPPER.createObjectNode();
        req.put("agentType", type);
        req.put("intent", intent);
        req.put("args", argsJson);
        claim(req, caller);
        return ask(node, "agent.invoke", req, wait, m -> Optional.of(m.path("json").asText()));
    }

    private void serveAgent(String from, String id, JsonNode m) {
        answer(from, id, "agent", s -> s.invokeAgent(m.path("agentType").asText(), m.path("intent").asText(), m.path("args").asText("{}"),
                caller(from, m)));
    }

    /** The asking side: has a member's backend fetch a model, reporting its progress as it comes. */
    void deploy(String node, String model, Consumer<JsonNode> progress) {
        ObjectNode req = Json.MAPPER.createObjectNode();
        req.put("model", model);
        ask(node, "model.deploy", req, Duration.ofMinutes(10), m -> {
            if (m.path("type").asText().equals("progress")) {
                progress.accept(Json.parse(m.path("json").asText()));
                return Optional.empty();
            }
            return Optional.of(Boolean.TRUE);
        });
    }

    private void servePull(String from, String id, JsonNode m) {
        try {
            LocalServing s = serving;
            if (s == null) {
                throw new CallFailedException(FailureKind.UNREACHABLE, "this member serves no requests yet");
            }
            s.pull(m.path("model").asText(), Caller.member(from), json -> {
                ObjectNode p = Json.MAPPER.createObjectNode();
                p.put("id", id);
                p.put("json", json);
                send(from, "model.progress", p);
            });
            send(from, "model.done", Json.MAPPER.createObjectNode().put("id", id));
        } catch (CallFailedException e) {
            sendError(from, "model.error", id, e.kind().name(), e.getMessage());
        } catch (RuntimeException e) {
            sendError(from, "model.error", id, FailureKind.INTERNAL.name(), "failed: " + e);
        }
    }

    private void sendError(String to, String type, String id, String kind, String message) {
        ObjectNode err = Json.MAPPER.createObjectNode();
        err.put("id", id);
        err.put("kind", kind);
        err.put("message", message);
        send(to, type, err);
    }

    /** A member is gone: its calls fail now. */
    void lost(String node) {
        calls.values().stream().filter(c -> c.node().equals(node)).forEach(c -> c.queue().add(LOST));
    }

    /** @return whether this class handles the message type */
    static boolean handles(String type) {
        return type.startsWith("chat.") || type.startsWith("embed.") || type.startsWith("tool.") || type.startsWith("model.")
                || type.startsWith("agent.");
    }

    void message(String from, String type, byte[] payload) {
        JsonNode m;
        try {
            m = Json.parse(new String(payload, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return;
        }
        String id = m.path("id").asText();
        switch (type) {
            case "chat.chunk", "chat.end", "chat.error", "embed.result", "embed.error", "tool.result", "tool.error",
                 "model.progress", "model.done", "model.error", "agent.result", "agent.error" -> {
                Outgoing c = calls.get(id);
                if (c != null && c.node().equals(from)) {
                    ((ObjectNode) m).put("type", type.substring(type.indexOf('.') + 1));
                    c.queue().add(m);
                }
            }
            case "embed.request" -> Thread.ofVirtual().name("mesh-embed " + from).start(() -> serveEmbeddings(from, id, m));
            case "tool.request" -> Thread.ofVirtual().name("mesh-tool " + from).start(() -> serveTool(from, id, m));
            case "agent.invoke" -> Thread.ofVirtual().name("mesh-agent " + from).start(() -> serveAgent(from, id, m));
            case "model.deploy" -> Thread.ofVirtual().name("mesh-deploy " + from).start(() -> servePull(from, id, m));
            case "chat.request" -> Thread.ofVirtual().name("mesh-serve " + from).start(() -> serve(from, id, m));
            case "chat.cancel" -> {
                ChatCall call = served.remove(from + "/" + id);
                if (call != null) {
                    call.close();
                }
            }
            default -> LOG.log(System.Logger.Level.DEBUG, () -> "ignored '" + type + "' from " + from);
        }
    }

    private void serve(String from, String id, JsonNode m) {
        LocalServing s = serving;
        String key = from + "/" + id;
        try {
            if (s == null) {
                throw new CallFailedException(FailureKind.UNREACHABLE, "this member serves no requests yet");
            }
            try (AutoCloseable admitted = admit(from, m.path("model").asText());
                 ChatCall call = s.chat(m.path("model").asText(), m.path("json").asText(),
                    Duration.ofMillis(Math.max(1000, m.path("timeoutMs").asLong(120_000))))) {
                served.put(key, call);
                Optional<ChatChunk> c;
                boolean ended = false;
                while (!ended && (c = call.next()).isPresent()) {
                    if (!served.containsKey(key)) {
                        return; // cancelled by the asking member
                    }
                    ObjectNode chunk = Json.MAPPER.createObjectNode();
                    chunk.put("id", id);
                    chunk.put("json", c.get().json());
                    chunk.put("last", c.get().last());
                    // the last chunk also ends the call (one signed message fewer per request) when it carries the usage:
                    // an OpenAI-compatible backend sends its usage in a chunk of its own after the finish reason
                    ended = c.get().last() && c.get().json().contains("\"completion_tokens\"");
                    chunk.put("end", ended);
                    send(from, "chat.chunk", chunk);
                }
                if (!ended) {
                    send(from, "chat.end", Json.MAPPER.createObjectNode().put("id", id));
                }
            }
        } catch (CallFailedException e) {
            sendError(from, "chat.error", id, e.kind().name(), e.getMessage());
        } catch (Exception e) {
            sendError(from, "chat.error", id, FailureKind.INTERNAL.name(), e.toString().toLowerCase(Locale.ROOT).contains("cancel") ? "cancelled" : "failed: " + e);
        } finally {
            served.remove(key);
        }
    }
}
