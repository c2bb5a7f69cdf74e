package farm.llama.atmosphere.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Base of the protocol-faithful test backends: a real HTTP server on loopback whose answers
 * replay the examples of the backend's API documentation, with slow and failing modes, and
 * which notices when a client goes away mid-stream.
 */
public abstract class FakeBackend implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper().registerModule(new com.fasterxml.jackson.datatype.jdk8.Jdk8Module());

    /** Words of the reply every chat gets. */
    static final List<String> REPLY = List.of("The", " sky", " is", " blue", " because", " of", " Rayleigh", " scattering", ".");

    final HttpServer server;
    /** Delay before the first byte of a chat answer. */
    public volatile long firstByteDelayMs;
    /** Delay between streamed chunks. */
    volatile long chunkDelayMs;
    /** Answer every chat with this HTTP status (0: answer normally). */
    volatile int chatStatus;
    /** Drop the connection after this many streamed chunks of a fresh answer (-1: never); continuations are not dropped. */
    volatile int dropAfterChunks = -1;
    /** Requests that asked this backend to continue a trailing assistant message, as it received them. */
    public final List<JsonNode> continuations = new CopyOnWriteArrayList<>();
    final AtomicInteger chatCalls = new AtomicInteger();
    final AtomicInteger cancelledStreams = new AtomicInteger();
    public final List<JsonNode> chatBodies = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    FakeBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    }

    void route(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            try (exchange) {
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                if (auth != null) {
                    authorizations.add(auth);
                }
                handler.handle(exchange);
            } catch (IOException e) {
                // client went away
            }
        });
    }

    void start() {
        server.start();
    }

    /**
     * Drops the connection after this many streamed chunks of each fresh answer from now on, as a
     * backend that crashes mid-answer does (-1: never); a continuation is answered whole.
     *
     * @param chunks the chunks sent before the drop
     */
    public void dieAfterChunks(int chunks) {
        dropAfterChunks = chunks;
    }

    /**
     * Answers every chat with this HTTP status from now on (0: normally again), as a backend whose
     * model fails to load does.
     *
     * @param status the status
     */
    public void failChats(int status) {
        chatStatus = status;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    static JsonNode body(HttpExchange ex) throws IOException {
        return JSON.readTree(ex.getRequestBody().readAllBytes());
    }

    static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    static void sleep(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes a streamed line and flushes; counts a cancelled stream when the client is gone.
     *
     * @return false when the client went away
     */
    boolean writeLine(OutputStream out, String line) {
        try {
            out.write(line.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return true;
        } catch (IOException e) {
            cancelledStreams.incrementAndGet();
            return false;
        }
    }

    /**
     * What every backend checks of a trailing assistant message (llama.cpp's server refuses two in a row).
     *
     * @param messages the request's messages, the last an assistant's
     * @return the words of {@link #REPLY} the message already holds, or an error text when it is not a start of that reply
     */
    static Object prefixWords(JsonNode messages) {
        if (messages.size() >= 2 && messages.get(messages.size() - 2).path("role").asText().equals("assistant")) {
            return "Cannot have 2 or more assistant messages at the end of the list.";
        }
        String prefix = messages.get(messages.size() - 1).path("content").asText();
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k <= REPLY.size(); k++) {
            if (sb.toString().equals(prefix)) {
                return k;
            }
            if (k < REPLY.size()) {
                sb.append(REPLY.get(k));
            }
        }
        return "the assistant message to continue is not a start of this model's answer: " + prefix;
    }

    /** @return whether the request ends with an assistant message */
    static boolean endsWithAssistant(JsonNode messages) {
        return messages.size() > 0 && messages.get(messages.size() - 1).path("role").asText().equals("assistant");
    }

    /** Stops answering: connections are refused from now on. */
    public void kill() {
        server.stop(0);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
