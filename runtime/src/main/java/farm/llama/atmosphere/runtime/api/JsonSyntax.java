package farm.llama.atmosphere.runtime.api;

/**
 * Checks that text is one JSON value (RFC 8259) and writes it without the whitespace between
 * tokens. JDK only, so that the API's types need no JSON library to keep their promise.
 */
final class JsonSyntax {

    private static final int MAX_DEPTH = 1000;

    private final String text;
    private final StringBuilder out;
    private int at;

    private JsonSyntax(String text) {
        this.text = text;
        this.out = new StringBuilder(text.length());
    }

    /**
     * @param text what should be one JSON value
     * @return it, compact
     * @throws IllegalArgumentException naming where it stops being JSON
     */
    static String compact(String text) {
        JsonSyntax s = new JsonSyntax(text);
        s.space();
        s.value(0);
        s.space();
        if (s.at != text.length()) {
            throw s.fail("nothing may follow the value");
        }
        return s.out.toString();
    }

    private IllegalArgumentException fail(String what) {
        return new IllegalArgumentException("not valid JSON at character " + (at + 1) + ": " + what);
    }

    private void space() {
        while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
    }

    private char peek() {
        if (at >= text.length()) {
            throw fail("the text ends early");
        }
        return text.charAt(at);
    }

    private void value(int depth) {
        if (depth > MAX_DEPTH) {
            throw fail("nested deeper than " + MAX_DEPTH);
        }
        char c = peek();
        switch (c) {
            case '{' -> container('{', '}', depth, true);
            case '[' -> container('[', ']', depth, false);
            case '"' -> string();
            case 't' -> word("true");
            case 'f' -> word("false");
            case 'n' -> word("null");
            default -> number();
        }
    }

    private void container(char open, char close, int depth, boolean object) {
        out.append(open);
        at++;
        space();
        if (peek() == close) {
            out.append(close);
            at++;
            return;
        }
        while (true) {
            if (object) {
                if (peek() != '"') {
                    throw fail("expected a member name in double quotes");
                }
                string();
                space();
                if (peek() != ':') {
                    throw fail("expected ':' after a member name");
                }
                out.append(':');
                at++;
                space();
            }
            value(depth + 1);
            space();
            char c = peek();
            at++;
            if (c == close) {
                out.append(close);
                return;
            }
            if (c != ',') {
                at--;
                throw fail("expected ',' or '" + close + "'");
            }
            out.append(',');
            space();
        }
    }

    private void string() {
        int start = at++;
        while (true) {
            char c = peek();
            if (c == '"') {
                at++;
                out.append(text, start, at);
                return;
            }
            if (c < 0x20) {
                throw fail("a control character inside a string must be escaped");
            }
            if (c == '\\') {
                at++;
                char e = peek();
                if (e == 'u') {
                    if (at + 4 >= text.length() || !text.substring(at + 1, at + 5).matches("[0-9a-fA-F]{4}")) {
                        throw fail("\\u must be followed by four hex digits");
                    }
                    at += 4;
                } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                    throw fail("unknown escape \\" + e);
                }
            }
            at++;
        }
    }

    private void word(String w) {
        if (!text.startsWith(w, at)) {
            throw fail("expected a value");
        }
        out.append(w);
        at += w.length();
    }

    private void number() {
        int start = at;
        if (at < text.length() && text.charAt(at) == '-') {
            at++;
        }
        if (at < text.length() && text.charAt(at) == '0') {
            at++;
        } else if (!digits()) {
            at = start;
            throw fail("expected a value");
        }
        if (at < text.length() && text.charAt(at) == '.') {
            at++;
            if (!digits()) {
                throw fail("expected digits after '.'");
            }
        }
        if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
            at++;
            if (at < text.length() && (text.charAt(at) == '+' || text.charAt(at) == '-')) {
                at++;
            }
            if (!digits()) {
                throw fail("expected digits in the exponent");
            }
        }
        out.append(text, start, at);
    }

    private boolean digits() {
        int start = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
            at++;
        }
        return at > start;
    }
}
