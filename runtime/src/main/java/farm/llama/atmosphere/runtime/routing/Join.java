package farm.llama.atmosphere.runtime.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.ChatChunk;
import java.util.ArrayList;
import java.util.List;

/**
 * Splices a continuing backend's stream onto the client's: its chunks take the first stream's
 * {@code id}, {@code model} and {@code created}; its opening role chunk is dropped; its usage adds
 * the tokens streamed before the join; its final chunks carry {@code atmosphere.continued}. A stop
 * sequence that begins before the join and ends after it is applied here, since neither backend saw
 * it whole: the continuation's first characters are held until they cannot complete one. Used by
 * the call's own thread only.
 */
final class Join {

    private final String id;
    private final String model;
    private final long created;
    private final List<String> stops;
    private final String tail;
    private final int tokensBefore;
    private final ArrayNode continued;
    private final int hold;
    private final List<ObjectNode> held = new ArrayList<>();
    private final StringBuilder heldText = new StringBuilder();
    private boolean decided;
    private boolean stopped;

    /**
     * @param answer what was streamed before the join
     * @param stops the request's stop sequences
     * @param tokensBefore the tokens streamed before the join
     * @param continued every join of this answer so far, this one last ({@code atmosphere.continued})
     */
    Join(StreamedAnswer answer, List<String> stops, int tokensBefore, ArrayNode continued) {
        this.id = answer.id();
        this.model = answer.model();
        this.created = answer.created();
        this.stops = stops;
        this.tokensBefore = tokensBefore;
        this.continued = continued;
        this.hold = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
        String text = answer.text();
        this.tail = text.substring(Math.max(0, text.length() - hold));
        this.decided = hold == 0 || tail.isEmpty();
    }

    /**
     * @param chunk the continuing backend's next chunk
     * @return the chunks to send the client now (none while the join is undecided)
     */
    List<ChatChunk> accept(JsonNode chunk) {
        if (stopped || !(chunk instanceof ObjectNode o)) {
            return List.of();
        }
        JsonNode choice = o.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        String text = delta.path("content").asText("");
        boolean meaningful = !text.isEmpty() || choice.hasNonNull("finish_reason") || o.hasNonNull("usage")
                || delta.has("tool_calls") || !delta.path("reasoning_content").asText(delta.path("reasoning").asText("")).isEmpty();
        if (!meaningful) {
            return List.of(); // the continuing backend's opening {role: assistant}: the client had one
        }
        if (decided) {
            return List.of(rewrite(o));
        }
        held.add(o);
        heldText.append(text);
        if (heldText.length() >= hold || choice.hasNonNull("finish_reason") || o.hasNonNull("usage")) {
            return decide();
        }
        return List.of();
    }

    /** @return what is still held, now that the continuing stream ended */
    List<ChatChunk> end() {
        return decided ? List.of() : decide();
    }

    /** @return whether a stop sequence across the join ended the answer: the continuing stream is not read further */
    boolean stopped() {
        return stopped;
    }

    /**
     * @param answer what was streamed before its backend died with the token limit spent
     * @return the chunk that ends it as a backend ends an answer at {@code max_tokens}
     */
    static ChatChunk lengthEnd(StreamedAnswer answer) {
        ObjectNode end = Json.MAPPER.createObjectNode();
        end.put("id", answer.id());
        end.put("object", "chat.completion.chunk");
        end.put("created", answer.created());
        end.put("model", answer.model());
        ObjectNode c = end.putArray("choices").addObject();
        c.put("index", 0);
        c.putObject("delta");
        c.put("finish_reason", "length");
        return new ChatChunk(end.toString(), true);
    }

    private List<ChatChunk> decide() {
        decided = true;
        String around = tail + heldText;
        for (String s : stops) {
            for (int i = around.indexOf(s); i >= 0 && i < tail.length(); i = around.indexOf(s, i + 1)) {
                if (i + s.length() > tail.length()) {
                    stopped = true;
                    held.clear();
                    ObjectNode end = Json.MAPPER.createObjectNode();
                    end.put("object", "chat.completion.chunk");
                    ObjectNode c = end.putArray("choices").addObject();
                    c.put("index", 0);
                    c.putObject("delta");
                    c.put("finish_reason", "stop");
                    return List.of(rewrite(end));
                }
            }
        }
        List<ChatChunk> out = new ArrayList<>(held.size());
        held.forEach(h -> out.add(rewrite(h)));
        held.clear();
        return out;
    }

    private ChatChunk rewrite(ObjectNode o) {
        if (id != null) {
            o.put("id", id);
            o.put("model", model);
            if (created >= 0) {
                o.put("created", created);
            }
        }
        JsonNode usage = o.path("usage");
        if (usage instanceof ObjectNode u) {
            // the dead backend never said what it generated: the tokens streamed before the join count as
            // completion; the continuing prompt carried them, so the client's prompt is counted once
            int completion = u.path("completion_tokens").asInt(0) + tokensBefore;
            int prompt = Math.max(0, u.path("prompt_tokens").asInt(0) - tokensBefore);
            u.put("prompt_tokens", prompt);
            u.put("completion_tokens", completion);
            u.put("total_tokens", prompt + completion);
        }
        boolean last = o.path("choices").path(0).hasNonNull("finish_reason");
        if (last || o.hasNonNull("usage")) {
            JsonNode a = o.path("atmosphere");
            ObjectNode atmosphere = a instanceof ObjectNode existing ? existing : o.putObject("atmosphere");
            atmosphere.set("continued", continued.deepCopy());
        }
        return new ChatChunk(o.toString(), last);
    }
}
