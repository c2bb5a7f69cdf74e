package farm.llama.atmosphere.plugin.discovery.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import farm.llama.atmosphere.spi.ChatRequest;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What an OpenAI-compatible backend is sent, and which ones are known to continue a trailing assistant message. */
class StreamingBodyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode sent(String request) throws Exception {
        return JSON.readTree(OpenAiClient.streamingBody(new ChatRequest("served-model", request)));
    }

    @Test
    void aContinuationSaysAddGenerationPromptFalseAsVllmAndLlamaCppRequire() throws Exception {
        JsonNode b = sent("{\"model\":\"auto\",\"add_generation_prompt\":true,\"continue_final_message\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"Hel\"}]}");
        assertTrue(b.path("continue_final_message").asBoolean());
        assertFalse(b.path("add_generation_prompt").asBoolean(true), b.toString());
        assertEquals("served-model", b.path("model").asText());
        assertEquals("Hel", b.path("messages").get(1).path("content").asText());
    }

    @Test
    void otherwiseTheClientsOwnAddGenerationPromptIsKeptAndNoneIsAdded() throws Exception {
        assertTrue(sent("{\"add_generation_prompt\":true,\"messages\":[]}").path("add_generation_prompt").asBoolean());
        assertFalse(sent("{\"messages\":[]}").has("add_generation_prompt"), "a server that does not know it never sees it");
        assertFalse(sent("{\"messages\":[]}").has("continue_final_message"));
    }

    @Test
    void onlyServersThatDocumentContinuingAreSaidToContinueUnlessTheOwnerSays() {
        OpenAiClient detected = new OpenAiClient(null, java.net.URI.create("http://127.0.0.1:1/"), Optional.empty(), Optional.empty());
        assertEquals(Optional.of("documented"), detected.continuation("vllm"));
        assertEquals(Optional.of("documented"), detected.continuation("llamacpp"));
        assertEquals(Optional.empty(), detected.continuation("organization_owner"), "LM Studio");
        assertEquals(Optional.empty(), detected.continuation("system"), "OpenAI");
        OpenAiClient on = new OpenAiClient(null, java.net.URI.create("http://127.0.0.1:1/"), Optional.empty(), Optional.of(true));
        assertEquals(Optional.of("configured"), on.continuation("organization_owner"));
        OpenAiClient off = new OpenAiClient(null, java.net.URI.create("http://127.0.0.1:1/"), Optional.empty(), Optional.of(false));
        assertEquals(Optional.empty(), off.continuation("vllm"), "--no-prefill-assistant on an old llama.cpp: the owner says no");
    }
}
