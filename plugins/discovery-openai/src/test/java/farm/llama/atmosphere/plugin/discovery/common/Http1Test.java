package farm.llama.atmosphere.plugin.discovery.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The backends' HTTP/1.1 client against a server that writes exactly the bytes each test gives it. */
class Http1Test {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** What the scripted server answers to one request: the raw bytes (one char each), and whether it closes the connection after them. */
    record Answer(String bytes, boolean close) {
    }

    /** A server answering each request (its head and body, as text) with the bytes a test gives. */
    static final class Scripted implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger connections = new AtomicInteger();
        final List<String> requests = new CopyOnWriteArrayList<>();
        final CountDownLatch clientClosed = new CountDownLatch(1);
        volatile Function<String, Answer> answer;

        Scripted(Function<String, Answer> answer) throws IOException {
            this.answer = answer;
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        clientClosed.countDown();
                        return;
                    }
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    String request = head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
                    requests.add(request);
                    Answer a = answer.apply(request);
                    out.write(a.bytes().getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (a.close()) {
                        return;
                    }
                }
            } catch (IOException e) {
                clientClosed.countDown();
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int ch;
            while ((ch = in.read()) >= 0) {
                b.write(ch);
                if (b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    return b.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/");
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private Scripted server;
    private Http1 client;

    @AfterEach
    void close() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Http1 client(Function<String, Answer> answer) throws IOException {
        server = new Scripted(answer);
        client = new Http1(server.url(), Duration.ofSeconds(10));
        return client;
    }

    private static String text(Http1.Response r) throws IOException {
        try (r) {
            return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Answer json(String body) {
        return new Answer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body, false);
    }

    @Test
    void sequentialRequestsShareOneKeptAliveConnection() throws IOException {
        Http1 c = client(req -> json("{\"ok\":true}"));
        for (int i = 0; i < 5; i++) {
            Http1.Response r = c.exchange("POST", "v1/chat/completions", Map.of("Accept", "application/json"),
                    Http1.Body.json("{\"n\":" + i + "}"), TIMEOUT);
            assertEquals(200, r.status());
            assertEquals("application/json", r.headers().get("content-type"));
            assertEquals("{\"ok\":true}", text(r));
        }
        assertEquals(1, server.connections.get(), "one connection for five requests");
        assertEquals(1, c.idleConnections());
        String last = server.requests.get(4);
        assertTrue(last.startsWith("POST /v1/chat/completions HTTP/1.1\r\n"), last);
        assertTrue(last.contains("\r\nHost: 127.0.0.1:" + server.server.getLocalPort() + "\r\n"), last);
        assertTrue(last.contains("\r\nContent-Length: 7\r\n"), last);
        assertTrue(last.endsWith("\r\n\r\n{\"n\":4}"), last);
    }

    @Test
    void aChunkedBodyIsReadWholeWithExtensionsAndTrailersAndItsConnectionReused() throws IOException {
        String sse = "data: {\"a\":1}\n\ndata: [DONE]\n\n";
        Http1 c = client(req -> new Answer("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(14) + ";ext=1\r\n" + sse.substring(0, 14) + "\r\n"
                + Integer.toHexString(sse.length() - 14) + "\r\n" + sse.substring(14) + "\r\n"
                + "0\r\nX-Trailer: yes\r\n\r\n", false));
        assertEquals(sse, text(c.exchange("GET", "events", Map.of(), null, TIMEOUT)));
        assertEquals(sse, text(c.exchange("GET", "events", Map.of(), null, TIMEOUT)));
        assertEquals(1, server.connections.get());
    }

    @Test
    void linesAreUtf8EvenWhenAChunkSplitsACharacter() throws IOException {
        byte[] text = "data: {\"content\":\"Grüße, 世界 🌍\"}\r\n\ndata: [DONE]\n".getBytes(StandardCharsets.UTF_8);
        int split = "data: {\"content\":\"Gr".length() + 1; // inside the two bytes of ü
        String first = new String(text, 0, split, StandardCharsets.ISO_8859_1);
        String second = new String(text, split, text.length - split, StandardCharsets.ISO_8859_1);
        Http1 c = client(req -> new Answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(split) + "\r\n" + first + "\r\n"
                + Integer.toHexString(text.length - split) + "\r\n" + second + "\r\n0\r\n\r\n", false));
        try (Http1.Response r = c.exchange("POST", "v1/chat/completions", Map.of(), Http1.Body.json("{}"), TIMEOUT)) {
            assertEquals("data: {\"content\":\"Grüße, 世界 🌍\"}", r.body().readLine());
            assertEquals("", r.body().readLine());
            assertEquals("data: [DONE]", r.body().readLine());
            assertEquals(null, r.body().readLine());
        }
        assertEquals(1, c.idleConnections());
    }

    @Test
    void aStreamClosedAfterItsLastEventIsReusedAndAnAbortedOneClosesTheConnection() throws Exception {
        String sse = "data: [DONE]\n\n";
        Http1 c = client(req -> new Answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(sse.length()) + "\r\n" + sse + "\r\n0\r\n\r\n", false));
        Http1.Response r = c.exchange("POST", "v1/chat/completions", Map.of(), Http1.Body.json("{}"), TIMEOUT);
        assertEquals(sse, new String(r.body().readNBytes(sse.length()), StandardCharsets.UTF_8)); // the reader stops at [DONE]
        r.close(); // the chunked body's end is read then, and the connection kept
        assertEquals(1, c.idleConnections());

        server.answer = req -> new Answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", false); // never ends
        Http1.Response open = c.exchange("POST", "v1/chat/completions", Map.of(), Http1.Body.json("{}"), TIMEOUT);
        assertEquals("hello", new String(open.body().readNBytes(5), StandardCharsets.UTF_8));
        open.body().abort();
        assertTrue(server.clientClosed.await(30, TimeUnit.SECONDS), "the server sees the connection close: the generation stops");
        assertEquals(0, c.idleConnections());
        assertEquals(1, server.connections.get());
    }

    @Test
    void aReusedConnectionTheServerClosedIsReplacedWithoutAnError() throws IOException {
        Http1 c = client(req -> new Answer(json("{\"n\":1}").bytes(), true)); // answers, then closes its side
        assertEquals("{\"n\":1}", text(c.exchange("GET", "v1/models", Map.of(), null, TIMEOUT)));
        assertEquals("{\"n\":1}", text(c.exchange("POST", "v1/chat/completions", Map.of(), Http1.Body.json("{}"), TIMEOUT)));
        assertEquals(2, server.connections.get(), "the request went again on a new connection");
        assertEquals(2, server.requests.size(), "and the server saw it once");
    }

    @Test
    void connectionCloseAndABodyWithoutLengthAreNotReused() throws IOException {
        Http1 c = client(req -> new Answer("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", true));
        assertEquals("ok", text(c.exchange("GET", "a", Map.of(), null, TIMEOUT)));
        assertEquals(0, c.idleConnections());
        server.answer = req -> new Answer("HTTP/1.0 200 OK\r\n\r\nuntil the end", true);
        assertEquals("until the end", text(c.exchange("GET", "b", Map.of(), null, TIMEOUT)));
        assertEquals(0, c.idleConnections());
    }

    @Test
    void interimAnswersAndHeadAreHandled() throws IOException {
        Http1 c = client(req -> req.startsWith("HEAD")
                ? new Answer("HTTP/1.1 404 Not Found\r\nContent-Length: 120\r\n\r\n", false)
                : new Answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", false));
        Http1.Response head = c.exchange("HEAD", "api/blobs/x", Map.of(), null, TIMEOUT);
        assertEquals(404, head.status());
        assertEquals("", text(head));
        Http1.Response created = c.exchange("POST", "api/blobs/x", Map.of(), Http1.Body.json("{}"), TIMEOUT);
        assertEquals(201, created.status());
        assertEquals("", text(created));
        assertEquals(1, server.connections.get());
    }

    @Test
    void aSilentServerTimesOutAndAClosedPortIsNoConnection() throws IOException {
        Http1 c = client(req -> new Answer("", false)); // reads the request, never answers
        assertThrows(SocketTimeoutException.class, () -> c.exchange("GET", "slow", Map.of(), null, Duration.ofMillis(200)));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (Http1 nobody = new Http1(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(5))) {
            assertThrows(ConnectException.class, () -> nobody.exchange("GET", "v1/models", Map.of(), null, TIMEOUT));
        }
    }

    @Test
    void aTruncatedBodyIsAnErrorNotAShortAnswer() throws IOException {
        Http1 c = client(req -> new Answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", true));
        Http1.Response r = c.exchange("GET", "a", Map.of(), null, TIMEOUT);
        assertThrows(IOException.class, () -> r.body().readAllBytes());
        r.close();
        assertEquals(0, c.idleConnections());
    }

    @Test
    void headerValuesCannotSmuggleLines() throws IOException {
        Http1 c = client(req -> json("{}"));
        assertThrows(IllegalArgumentException.class,
                () -> c.exchange("GET", "a", Map.of("Authorization", "Bearer x\r\nX-Evil: 1"), null, TIMEOUT));
    }
}
