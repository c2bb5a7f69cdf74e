package farm.llama.atmosphere.runtime.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.ChatChunk;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The request that continues a broken answer, and the splice of its stream onto the client's. */
class ContinuationTest {

    private static JsonNode chunk(String id, String content, String finish) {
        return Json.parse("{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m-" + id + "\",\"choices\":[{\"index\":0,"
                + "\"delta\":{" + (content == null ? "\"role\":\"assistant\",\"content\":\"\"" : "\"content\":" + Json.write(content)) + "},"
                + "\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}");
    }

    private static StreamedAnswer streamed(String... words) {
        StreamedAnswer a = new StreamedAnswer();
        a.see(chunk("first", null, null).toString());
        for (String w : words) {
            a.see(chunk("first", w, null).toString());
        }
        return a;
    }

    private static String text(List<ChatChunk> chunks) {
        StringBuilder sb = new StringBuilder();
        chunks.forEach(c -> sb.append(Json.parse(c.json()).path("choices").path(0).path("delta").path("content").asText("")));
        return sb.toString();
    }

    @Test
    void theBodyCarriesTheTextAsOneTrailingAssistantMessageAndLowersTheTokenLimit() {
        JsonNode request = Json.parse("{\"model\":\"auto\",\"max_tokens\":10,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        JsonNode body = Json.parse(Continuation.body(request, "Hello the", 2).orElseThrow());
        assertEquals(8, body.path("max_tokens").asInt());
        assertEquals(2, body.path("messages").size());
        assertEquals("Hello the", body.path("messages").get(1).path("content").asText());
        assertTrue(body.path("continue_final_message").asBoolean());
        assertFalse(body.path("add_generation_prompt").asBoolean(true));
        assertFalse(body.has("stream_options"), "each backend client asks for usage its own way");
        // a continuation of a continuation grows the one assistant message: never two in a row
        JsonNode again = Json.parse(Continuation.body(body, "re", 1).orElseThrow());
        assertEquals(2, again.path("messages").size());
        assertEquals("Hello there", again.path("messages").get(1).path("content").asText());
        assertEquals(7, again.path("max_tokens").asInt());
        assertTrue(Continuation.body(request, "x", 10).isEmpty(), "no tokens left: nothing to continue");
    }

    @Test
    void whatWasStreamedIsReadTokenByTokenFromEachChunk() {
        StreamedAnswer a = new StreamedAnswer();
        a.see("{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":5,\"model\":\"m\",\"system_fingerprint\":\"fp\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Gr\\u00fc\\\"\"},\"logprobs\":null,\"finish_reason\":null},"
                + "{\"index\":1,\"delta\":{\"content\":\"other choice\"}}],\"usage\":null}");
        assertEquals("Grü\"", a.text());
        assertEquals(1, a.tokens());
        assertEquals(-1, a.usageCompletion());
        a.see("{\"id\":\"y\",\"model\":\"n\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        assertTrue(a.finished());
        assertEquals("x", a.id(), "the first chunk's id is the stream's");
        assertEquals("m", a.model());
        assertEquals(5, a.created());
        a.see("{\"choices\":[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":9,\"total_tokens\":28}}");
        assertEquals(19, a.usagePrompt());
        assertEquals(9, a.usageCompletion());
        a.see("not json");
        assertEquals(1, a.tokens());
    }

    @Test
    void someAnswersAreNeverContinued() {
        assertNotNull(Continuation.whyNever(Json.parse("{\"n\":2,\"messages\":[]}")));
        assertNotNull(Continuation.whyNever(Json.parse("{\"response_format\":{\"type\":\"json_schema\"},\"messages\":[]}")));
        assertNull(Continuation.whyNever(Json.parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
        StreamedAnswer tool = streamed("Let me");
        tool.see("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"f\"}}]}}]}");
        assertEquals("a tool call had begun", tool.whyNot());
        assertNotNull(streamed("<think>", "hmm").whyNot(), "inside reasoning");
        assertNull(streamed("<think>", "hmm", "</think>", "Yes").whyNot());
        StreamedAnswer reasoning = streamed();
        reasoning.see("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"First,\"}}]}");
        assertNotNull(reasoning.whyNot());
    }

    @Test
    void theJoinKeepsTheIdAndModelDropsTheSecondRoleAndAddsUpUsage() {
        StreamedAnswer before = streamed("The", " sky", " is");
        Join join = new Join(before, List.of(), 3, Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode().put("to", "b")));
        assertTrue(join.accept(chunk("second", null, null)).isEmpty(), "the continuing backend's role chunk");
        List<ChatChunk> out = new ArrayList<>(join.accept(chunk("second", " blue", null)));
        out.addAll(join.accept(chunk("second", "", "stop")));
        out.addAll(join.accept(Json.parse("{\"id\":\"second\",\"choices\":[],\"usage\":{\"prompt_tokens\":22,\"completion_tokens\":1,\"total_tokens\":23}}")));
        assertEquals(" blue", text(out));
        for (ChatChunk c : out) {
            assertEquals("first", Json.parse(c.json()).path("id").asText());
            assertEquals("m-first", Json.parse(c.json()).path("model").asText());
        }
        JsonNode usage = Json.parse(out.get(2).json()).path("usage");
        assertEquals(4, usage.path("completion_tokens").asInt());
        assertEquals(19, usage.path("prompt_tokens").asInt());
        assertEquals(23, usage.path("total_tokens").asInt());
        assertEquals("b", Json.parse(out.get(1).json()).path("atmosphere").path("continued").get(0).path("to").asText());
        assertTrue(out.get(1).last());
    }

    @Test
    void aStopSequenceAcrossTheJoinEndsTheAnswerAndOneWhollyAfterItDoesNot() {
        Join across = new Join(streamed("The", " sky", " is"), List.of("is blue"), 3, Json.MAPPER.createArrayNode());
        assertTrue(across.accept(chunk("second", " blu", null)).isEmpty(), "held: it may yet complete the stop sequence");
        List<ChatChunk> end = across.accept(chunk("second", "e sea", null));
        assertTrue(across.stopped());
        assertEquals("", text(end));
        assertEquals("stop", Json.parse(end.get(0).json()).path("choices").path(0).path("finish_reason").asText());

        Join clear = new Join(streamed("The", " sky", " is"), List.of("is blue"), 3, Json.MAPPER.createArrayNode());
        List<ChatChunk> out = new ArrayList<>(clear.accept(chunk("second", " gre", null)));
        out.addAll(clear.accept(chunk("second", "y today", null)));
        assertFalse(clear.stopped());
        assertEquals(" grey today", text(out), "released in order once it cannot complete one");
        Join shortEnd = new Join(streamed("The", " sky", " is"), List.of("is blue"), 3, Json.MAPPER.createArrayNode());
        assertTrue(shortEnd.accept(chunk("second", " hi", null)).isEmpty());
        assertEquals(" hi", text(shortEnd.end()), "the stream ended while held: released");
    }
}
