package farm.llama.atmosphere.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real backend seen through a proxy that cuts each fresh streamed chat after a number of lines
 * (SSE {@code data:} events or Ollama's NDJSON lines), as a backend that crashes mid-answer does;
 * a request that continues a trailing assistant message, and everything else, passes through
 * whole. Two of these in front of one real backend make a mesh of two backends serving the same
 * model, one of which dies mid-answer while the other continues — against the real thing.
 */
final class CuttingProxy implements AutoCloseable {

    private final HttpServer server;
    private final URI target;
    private final int cutAfter;
    private final HttpClient http = HttpClient.newHttpClient();
    /** Chats cut. */
    final AtomicInteger cut = new AtomicInteger();
    /** Continuations passed through. */
    final AtomicInteger continued = new AtomicInteger();

    /**
     * @param target the real backend's root (no {@code /v1})
     * @param cutAfter lines of a fresh chat passed on before the connection is dropped
     */
    CuttingProxy(URI target, int cutAfter) throws IOException {
        this.target = URI.create(target.toString().endsWith("/") ? target.toString() : target + "/");
        this.cutAfter = cutAfter;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            try (ex) {
                forward(ex);
            } catch (IOException | InterruptedException e) {
                // dropped on purpose, or the client went away
            }
        });
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void forward(HttpExchange ex) throws IOException, InterruptedException {
        byte[] body = ex.getRequestBody().readAllBytes();
        String path = ex.getRequestURI().toString().substring(1);
        HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve(path));
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null) {
            b.header("Authorization", auth);
        }
        b.method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body.length > 0) {
            b.header("Content-Type", "application/json");
        }
        boolean chat = path.endsWith("chat/completions") || path.equals("api/chat");
        boolean fresh = chat && !continues(body);
        if (chat && !fresh) {
            continued.incrementAndGet();
        }
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        r.headers().firstValue("Content-Type").ifPresent(t -> ex.getResponseHeaders().set("Content-Type", t));
        ex.sendResponseHeaders(r.statusCode(), 0);
        try (InputStream in = r.body(); OutputStream out = ex.getResponseBody()) {
            if (!fresh || r.statusCode() != 200) {
                in.transferTo(out);
                return;
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int sent = 0;
            String line;
            while ((line = lines.readLine()) != null) {
                if (!line.isBlank() && !line.startsWith(":") && sent++ >= cutAfter) {
                    cut.incrementAndGet();
                    throw new IOException("cut mid-answer, as asked");
                }
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    private static boolean continues(byte[] body) throws IOException {
        JsonNode m = FakeBackend.JSON.readTree(body).path("messages");
        return m.size() > 0 && m.get(m.size() - 1).path("role").asText().equals("assistant");
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** @return the proxies' URLs as {@code backends:} entries of the given type */
    static String backends(String type, List<CuttingProxy> proxies, String suffix, String apiKeyLine) {
        StringBuilder sb = new StringBuilder();
        for (CuttingProxy p : proxies) {
            sb.append("  - type: ").append(type).append("\n    url: ").append(p.url()).append(suffix).append('\n').append(apiKeyLine);
        }
        return sb.toString();
    }
}
