package farm.llama.atmosphere.runtime.node;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.routing.ChatCall;
import farm.llama.atmosphere.runtime.routing.ChatRequests;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import java.util.Optional;
import java.util.function.Consumer;

/** {@code atmosphere chat} in-process: a chat through the router, its text handed on as it streams. */
public final class ChatText {

    private ChatText() {
    }

    /**
     * @param router the router
     * @param requestJson an OpenAI chat request ({@code model} absent: {@code auto})
     * @param onText each piece of the answer's text, in order
     * @return the route that served it
     */
    public static String stream(RouterService router, String requestJson, Consumer<String> onText) {
        String model = Json.parse(requestJson).path("model").asText("auto");
        try (ChatCall call = router.startChat(new ChatRequest(model, requestJson, router.firstByteTimeout()), ChatRequests.query(model, requestJson))) {
            Optional<ChatChunk> c;
            while ((c = call.next()).isPresent()) {
                for (JsonNode choice : Json.parse(c.get().json()).path("choices")) {
                    String text = choice.path("delta").path("content").asText("");
                    if (!text.isEmpty()) {
                        onText.accept(text);
                    }
                }
            }
            return router.routeOf(call.served().capability());
        }
    }
}
