package farm.llama.atmosphere.plugin.discovery.common;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * How an HTTP/1.1 message is framed on the wire, for {@link Http1} (source shared by the discovery
 * plugins, compiled into each): header lines, and bodies of a known length or chunked.
 */
final class Http1Framing {

    private static final int MAX_LINE = 64 * 1024;

    private Http1Framing() {
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    /** @return a line without its CRLF (or LF), or null at the end of the stream before any byte */
    static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder(64);
        int ch;
        while ((ch = in.read()) >= 0) {
            if (ch == '\n') {
                int end = b.length();
                if (end > 0 && b.charAt(end - 1) == '\r') {
                    b.setLength(end - 1);
                }
                return b.toString();
            }
            if (b.length() >= MAX_LINE) {
                throw new IOException("a line longer than " + MAX_LINE + " bytes");
            }
            b.append((char) ch);
        }
        if (b.isEmpty()) {
            return null;
        }
        throw new EOFException("the connection closed inside a line");
    }

    /** A body of a known length. */
    static final class Fixed extends InputStream {
        private final InputStream in;
        private long left;

        Fixed(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection closed " + left + " bytes before the end of the body");
            }
            left--;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the connection closed " + left + " bytes before the end of the body");
            }
            left -= n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(in.available(), left);
        }
    }

    /** A chunked body (RFC 9112 §7.1): chunk sizes in hex, extensions and trailers skipped. */
    static final class Chunked extends InputStream {
        private final InputStream in;
        private long left; // in the current chunk
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        private boolean ready() throws IOException {
            if (done) {
                return false;
            }
            if (left > 0) {
                return true;
            }
            String line = readLine(in);
            if (line == null) {
                throw new EOFException("the connection closed inside a chunked body");
            }
            int semi = line.indexOf(';');
            String size = (semi >= 0 ? line.substring(0, semi) : line).trim();
            try {
                left = Long.parseLong(size, 16);
            } catch (NumberFormatException e) {
                throw new IOException("a bad chunk size: " + abbreviate(line));
            }
            if (left < 0) {
                throw new IOException("a bad chunk size: " + abbreviate(line));
            }
            if (left == 0) {
                while (true) { // trailer fields, up to the empty line
                    String t = readLine(in);
                    if (t == null || t.isEmpty()) {
                        break;
                    }
                }
                done = true;
                return false;
            }
            return true;
        }

        private void endOfChunk() throws IOException {
            if (left == 0) {
                String crlf = readLine(in);
                if (crlf == null || !crlf.isEmpty()) {
                    throw new IOException("a chunk without its line end");
                }
            }
        }

        @Override
        public int read() throws IOException {
            if (!ready()) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection closed inside a chunk");
            }
            left--;
            endOfChunk();
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!ready()) {
                return -1;
            }
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the connection closed inside a chunk");
            }
            left -= n;
            endOfChunk();
            return n;
        }

        @Override
        public int available() throws IOException {
            return done ? 0 : (int) Math.min(in.available(), left);
        }
    }
}
