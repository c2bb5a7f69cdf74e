package farm.llama.atmosphere.plugin.discovery.common;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A blocking HTTP/1.1 client for one backend (source shared by the discovery plugins, compiled into
 * each). The whole exchange runs on the calling thread — a virtual thread, as the node's request
 * handlers are — over keep-alive connections it pools: no selector thread and no executor to hand
 * each request and each chunk to, which is what the JDK's {@code HttpClient} costs on loopback
 * (~200 µs a request here; see BENCHMARKS.md, "Serving 1/3").
 *
 * <p>Plain HTTP and HTTPS (the JDK's default trust store, host name checked). A response body is
 * read as the server frames it (chunked, {@code Content-Length} or until the connection closes);
 * closing it before its end closes the connection, which is how a generation is cancelled at the
 * backend. A connection goes back to the pool only when its body was read to the end and neither
 * side asked to close it; a pooled connection idle for longer than {@link #IDLE_EXPIRY} is
 * dropped, and a request whose reused connection turns out closed by the server before any byte
 * of the answer is sent again once on a new connection.
 *
 * <p>Thread-safe; each exchange holds its own connection. {@link Response#close()} may come from
 * another thread than the reader's, to abort.
 */
public final class Http1 implements AutoCloseable {

    /** How long a pooled connection may stay idle: below the 5 s after which uvicorn (vLLM) and llama.cpp's server close one. */
    static final Duration IDLE_EXPIRY = Duration.ofSeconds(4);
    private static final int MAX_IDLE = 64;
    private static final int MAX_HEADERS = 256;
    private static final int MAX_EVENT_LINE = 16 * 1024 * 1024;

    private final URI base;
    private final String host;
    private final int port;
    private final boolean tls;
    private final int connectTimeoutMillis;
    private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /**
     * @param base the backend's root URL, {@code http} or {@code https}
     * @param connectTimeout how long a connection may take to open
     */
    public Http1(URI base, Duration connectTimeout) {
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("not an http or https URL: " + base);
        }
        if (base.getHost() == null) {
            throw new IllegalArgumentException("no host in " + base);
        }
        this.base = base;
        this.tls = scheme.equals("https");
        this.host = base.getHost();
        this.port = base.getPort() >= 0 ? base.getPort() : tls ? 443 : 80;
        this.connectTimeoutMillis = (int) Math.max(1, connectTimeout.toMillis());
    }

    /**
     * What a request sends as its body.
     *
     * @param contentType its media type
     * @param bytes the body in memory, or null
     * @param file the body from a file, or null
     */
    public record Body(String contentType, byte[] bytes, Path file) {
        /** @return a JSON body */
        public static Body json(String json) {
            return new Body("application/json", json.getBytes(StandardCharsets.UTF_8), null);
        }

        /** @return a file sent as it is */
        public static Body file(Path file) {
            return new Body("application/octet-stream", null, file);
        }

        long length() throws IOException {
            return bytes != null ? bytes.length : Files.size(file);
        }
    }

    /**
     * One exchange's answer. Read the body, then close it (or {@link ResponseBody#abort() abort} it
     * to stop early: the connection is closed then, never reused).
     *
     * @param status the status code
     * @param headers the header fields, names in lower case (repeated ones joined by ", ")
     * @param body the body as the server framed it
     */
    public record Response(int status, Map<String, String> headers, ResponseBody body) implements AutoCloseable {
        @Override
        public void close() {
            body.close();
        }
    }

    /**
     * Runs one exchange on the calling thread.
     *
     * @param method GET, POST, HEAD …
     * @param path a path relative to the base URL (a query may follow)
     * @param headers extra request header fields (Accept, Authorization …)
     * @param body the body, or null
     * @param timeout how long any one read may wait (the answer's first byte, and each one after)
     * @return the answer, whose body the caller reads and closes
     * @throws ConnectException when no connection could be opened (in time)
     * @throws SocketTimeoutException when a read waited longer than the timeout
     * @throws IOException when the exchange failed otherwise
     */
    public Response exchange(String method, String path, Map<String, String> headers, Body body, Duration timeout) throws IOException {
        if (closed) {
            throw new ConnectException("the client is closed");
        }
        URI uri = base.resolve(path);
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        byte[] head = head(method, target, headers, body);
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        while (true) {
            Connection pooled = pooled();
            Connection c = pooled != null ? pooled : open();
            try {
                c.socket.setSoTimeout(timeoutMillis);
                send(c, head, body);
                return receive(c, method);
            } catch (StaleConnection e) {
                c.close(); // the server had closed it while it idled: the request never reached it
                if (pooled == null) {
                    throw e.getCause();
                }
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
    }

    private byte[] head(String method, String target, Map<String, String> headers, Body body) throws IOException {
        StringBuilder h = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        h.append("Host: ").append(host);
        if (base.getPort() >= 0) {
            h.append(':').append(port);
        }
        h.append("\r\nUser-Agent: atmosphere\r\n");
        for (Map.Entry<String, String> e : headers.entrySet()) {
            String v = e.getValue();
            if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a line break in header " + e.getKey());
            }
            h.append(e.getKey()).append(": ").append(v).append("\r\n");
        }
        if (body != null) {
            h.append("Content-Type: ").append(body.contentType()).append("\r\nContent-Length: ").append(body.length()).append("\r\n");
        }
        return h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void send(Connection c, byte[] head, Body body) throws IOException {
        try {
            c.out.write(head);
            if (body != null && body.bytes() != null) {
                c.out.write(body.bytes());
            } else if (body != null) {
                try (InputStream in = Files.newInputStream(body.file())) {
                    in.transferTo(c.out);
                }
            }
            c.out.flush();
        } catch (IOException e) {
            if (c.reused) {
                throw new StaleConnection(e);
            }
            throw e;
        }
    }

    private Response receive(Connection c, String method) throws IOException {
        String status;
        Map<String, String> headers;
        int code;
        do {
            try {
                status = Http1Framing.readLine(c.in);
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                if (c.reused) {
                    throw new StaleConnection(e);
                }
                throw e;
            }
            if (status == null) {
                if (c.reused) {
                    throw new StaleConnection(new EOFException("closed before the answer"));
                }
                throw new EOFException(base + " closed the connection before answering");
            }
            code = statusCode(status);
            headers = readHeaders(c.in);
        } while (code >= 100 && code < 200 && code != 101); // 100 Continue and friends come before the answer
        boolean http10 = status.startsWith("HTTP/1.0");
        String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
        boolean keepAlive = http10 ? connection.contains("keep-alive") : !connection.contains("close");
        InputStream body;
        if (method.equals("HEAD") || code == 204 || code == 304) {
            body = new Http1Framing.Fixed(c.in, 0);
        } else if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            body = new Http1Framing.Chunked(c.in);
        } else if (headers.containsKey("content-length")) {
            long length;
            try {
                length = Long.parseLong(headers.get("content-length").trim());
            } catch (NumberFormatException e) {
                throw new IOException(base + " answered with a Content-Length that is not a number");
            }
            body = new Http1Framing.Fixed(c.in, length);
        } else {
            body = c.in; // until the server closes
            keepAlive = false;
        }
        return new Response(code, headers, new ResponseBody(body, c, keepAlive));
    }

    private int statusCode(String line) throws IOException {
        if (!line.startsWith("HTTP/1.") || line.length() < 12) {
            throw new IOException(base + " did not answer in HTTP/1.1: " + Http1Framing.abbreviate(line));
        }
        try {
            return Integer.parseInt(line.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException(base + " answered with a bad status line: " + Http1Framing.abbreviate(line));
        }
    }


    private static Map<String, String> readHeaders(InputStream in) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        int n = 0;
        while ((line = Http1Framing.readLine(in)) != null && !line.isEmpty()) {
            if (++n > MAX_HEADERS) {
                throw new IOException("more than " + MAX_HEADERS + " header fields");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue; // not a field: ignored, as lenient clients do
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            headers.merge(name, value, (a, b) -> a + ", " + b);
        }
        if (line == null) {
            throw new EOFException("the connection closed inside the header");
        }
        return headers;
    }

    private Connection pooled() {
        long now = System.nanoTime();
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            if (now - c.idleSince < IDLE_EXPIRY.toNanos() && !c.socket.isClosed()) {
                try {
                    if (c.in.available() == 0) { // bytes waiting on an idle connection mean it is not in step
                        c.reused = true;
                        return c;
                    }
                } catch (IOException ignored) {
                    // closed under us: drop it
                }
            }
            c.close();
        }
        return null;
    }

    private Connection open() throws IOException {
        Socket raw = new Socket();
        try {
            raw.setTcpNoDelay(true);
            raw.setKeepAlive(true);
            try {
                raw.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            } catch (SocketTimeoutException e) {
                throw new ConnectException("no connection to " + host + ":" + port + " in " + connectTimeoutMillis + " ms");
            }
            Socket s = raw;
            if (tls) {
                SSLSocket ssl = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(raw, host, port, true);
                SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(p);
                ssl.setSoTimeout(connectTimeoutMillis);
                ssl.startHandshake();
                s = ssl;
            }
            return new Connection(s);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private void release(Connection c) {
        if (closed || idle.size() >= MAX_IDLE) {
            c.close();
            return;
        }
        c.idleSince = System.nanoTime();
        c.reused = false;
        idle.addFirst(c); // the most recently used first: the warmest, the least likely to be expired
        if (closed) {
            c.close();
        }
    }

    /** Closes the idle connections; exchanges under way finish, then close theirs. */
    @Override
    public void close() {
        closed = true;
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            c.close();
        }
    }

    /** @return the number of idle pooled connections (for tests) */
    int idleConnections() {
        return idle.size();
    }

    private static final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        long idleSince;
        boolean reused;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    /** A reused connection the server had closed before it read the request. */
    private static final class StaleConnection extends IOException {
        StaleConnection(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    /**
     * A response body that owns its connection. {@link #close()} after reading: the connection goes
     * back to the pool when the body ended (what is left of it is read first, briefly: the end of a
     * chunked body after an SSE stream's last event, say); {@link #abort()} to stop early, from
     * any thread: the connection is closed, which cancels the work at the backend.
     */
    public final class ResponseBody extends InputStream {
        private static final int DRAIN_MILLIS = 50;
        private static final int DRAIN_BYTES = 64 * 1024;
        private final InputStream body;
        private final Connection connection;
        private final boolean keepAlive;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile boolean ended;
        private byte[] line = new byte[512];
        private int lineLength;

        ResponseBody(InputStream body, Connection connection, boolean keepAlive) {
            this.body = body;
            this.connection = connection;
            this.keepAlive = keepAlive;
        }

        @Override
        public int read() throws IOException {
            int b = body.read();
            if (b < 0) {
                ended = true;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = body.read(buf, off, len);
            if (n < 0) {
                ended = true;
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return body.available();
        }

        /**
         * Reads a line of UTF-8 text (an SSE event's field, an NDJSON object), without a reader's
         * buffers: the connection's own buffer is the only one.
         *
         * @return the line without its LF or CRLF, or null at the end of the body
         * @throws IOException when the line is longer than 16 MiB, or reading fails
         */
        public String readLine() throws IOException {
            return line(true);
        }

        /**
         * Reads a line only as far as its bytes have arrived: never waits. A line not complete yet
         * is kept, and the next read of either kind goes on from it.
         *
         * @return the line, or null when no whole line is here yet
         * @throws IOException when reading fails
         */
        public String readLineIfHere() throws IOException {
            return line(false);
        }

        private String line(boolean wait) throws IOException {
            int b = -1;
            int here = 0; // bytes known to be readable at once: the socket is asked once per batch, not once per byte
            while (true) {
                if (!wait) {
                    if (here == 0 && (here = available()) <= 0) {
                        break;
                    }
                    here--;
                }
                if ((b = read()) < 0) {
                    if (lineLength == 0) {
                        return null;
                    }
                    break;
                }
                if (b == '\n') {
                    break;
                }
                if (lineLength == line.length) {
                    if (lineLength >= MAX_EVENT_LINE) {
                        throw new IOException("a line longer than " + MAX_EVENT_LINE + " bytes");
                    }
                    line = Arrays.copyOf(line, Math.min(MAX_EVENT_LINE, lineLength * 2));
                }
                line[lineLength++] = (byte) b;
            }
            if (!wait && b != '\n' && !ended) {
                return null; // not all here yet: kept for the next read
            }
            int n = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
            lineLength = 0;
            return new String(line, 0, n, StandardCharsets.UTF_8);
        }

        /** Done reading: the connection is reused if the body ends within a moment, else closed. */
        @Override
        public void close() {
            if (closed.get()) {
                return;
            }
            if (!ended && keepAlive && body != connection.in) {
                try {
                    connection.socket.setSoTimeout(DRAIN_MILLIS);
                    int total = 0;
                    while (total < DRAIN_BYTES && read() >= 0) { // what is left is a few bytes, usually in the buffer already
                        total++;
                    }
                } catch (IOException e) {
                    // not at its end in time (or closed): the connection is not reused
                }
            }
            if (closed.compareAndSet(false, true)) {
                if (ended && keepAlive && body != connection.in) {
                    release(connection);
                } else {
                    connection.close();
                }
            }
        }

        /** Stops reading: closes the connection (a blocked read on another thread fails at once). */
        public void abort() {
            if (closed.compareAndSet(false, true)) {
                connection.close();
            }
        }
    }
}
