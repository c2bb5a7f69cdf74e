package farm.llama.atmosphere.plugin.tools.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.FailureKind;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** JSON helpers shared by the core tools. */
final class Tools {

    static final ObjectMapper JSON = new ObjectMapper();

    private Tools() {
    }

    static JsonNode args(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "arguments are not JSON: " + e.getOriginalMessage());
        }
    }

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new CallFailedException(FailureKind.INTERNAL, "cannot write result: " + e.getOriginalMessage());
        }
    }

    /** What a routed chat answered. */
    record Answer(String text, String model, String finishReason) {
    }

    /**
     * Subscribes to a routed chat and gathers its text.
     *
     * @param chunks the routed call
     * @param limit the longest to wait for the whole answer
     * @return the text, the model that wrote it and why it stopped
     */
    static Answer collect(Flow.Publisher<ChatChunk> chunks, Duration limit) {
        CompletableFuture<Answer> done = new CompletableFuture<>();
        StringBuilder text = new StringBuilder();
        String[] model = {""};
        String[] finish = {"stop"};
        Flow.Subscription[] held = new Flow.Subscription[1];
        chunks.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                held[0] = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ChatChunk item) {
                JsonNode c = args(item.json());
                if (model[0].isEmpty() && c.hasNonNull("model")) {
                    model[0] = c.get("model").asText();
                }
                for (JsonNode ch : c.path("choices")) {
                    JsonNode content = ch.path("delta").path("content");
                    if (content.isTextual()) {
                        text.append(content.asText());
                    }
                    if (ch.hasNonNull("finish_reason")) {
                        finish[0] = ch.get("finish_reason").asText();
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(new Answer(text.toString(), model[0], finish[0]));
            }
        });
        try {
            return done.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            cancel(held[0]);
            throw new CallFailedException(FailureKind.TIMEOUT, "the routed model did not finish within " + limit.toSeconds() + " s");
        } catch (InterruptedException e) {
            cancel(held[0]);
            Thread.currentThread().interrupt();
            throw new CallFailedException(FailureKind.CANCELLED, "cancelled");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CallFailedException cfe) {
                throw cfe;
            }
            throw new CallFailedException(FailureKind.INTERNAL, "the routed call failed: " + e.getCause());
        }
    }

    private static void cancel(Flow.Subscription s) {
        if (s != null) {
            s.cancel();
        }
    }
}
