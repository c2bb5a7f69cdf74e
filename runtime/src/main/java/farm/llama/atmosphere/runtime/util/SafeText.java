package farm.llama.atmosphere.runtime.util;

import java.io.IOException;
import java.io.Writer;

/**
 * Text from outside (a joiner's name, a member's model names, an agent's answer, a tool's output)
 * never reaches a terminal raw: C0 and C1 control characters (but newline and tab), DEL and the
 * Unicode bidirectional controls are shown as {@code \u001b}-style escapes, so an escape sequence
 * cannot write to the clipboard (OSC 52), retitle the window, move the cursor or reorder what a
 * person reads. The escape is also valid inside a JSON string, so {@code --json} output stays
 * valid. Stateless.
 */
public final class SafeText {

    /** The longest name a node accepts from outside, in characters. */
    public static final int MAX_NAME = 64;
    /** Where lines end in CR LF, a carriage return is part of every line break. */
    private static final boolean CR_ENDS_LINES = System.lineSeparator().contains("\r");

    private SafeText() {
    }

    /**
     * @param c a character
     * @return whether it must not reach a terminal raw (newline and tab may)
     */
    static boolean unsafe(char c) {
        return (c < 0x20 && c != '\n' && c != '\t' && !(c == '\r' && CR_ENDS_LINES)) || (c >= 0x7f && c <= 0x9f)
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u200e' || c == '\u200f'
                || c == '\u061c';
    }

    /**
     * @param text any text, or null
     * @return it with every unsafe character escaped (lines and tabs kept)
     */
    public static String forTerminal(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (unsafe(c)) {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                sb.append(String.format("\\u%04x", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }

    /**
     * A name from outside, as a node keeps it: unsafe characters and line breaks removed, spaces
     * trimmed, at most {@link #MAX_NAME} characters.
     *
     * @param name the name as it arrived, or null
     * @return the name to keep and show ("" if nothing printable is left)
     */
    public static String name(String name) {
        if (name == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(name.length(), MAX_NAME));
        for (int i = 0; i < name.length() && sb.length() < MAX_NAME; i++) {
            char c = name.charAt(i);
            if (!unsafe(c) && c != '\n' && c != '\t') {
                sb.append(c);
            }
        }
        if (sb.length() > 0 && Character.isHighSurrogate(sb.charAt(sb.length() - 1))) {
            sb.setLength(sb.length() - 1); // never half a character
        }
        return sb.toString().strip();
    }

    /**
     * @param out where a terminal's text goes
     * @return a writer that escapes unsafe characters on their way to it
     */
    public static Writer wrap(Writer out) {
        return new Writer() {
            @Override
            public void write(char[] buf, int off, int len) throws IOException {
                int start = off;
                for (int i = off; i < off + len; i++) {
                    if (unsafe(buf[i])) {
                        out.write(buf, start, i - start);
                        out.write(String.format("\\u%04x", (int) buf[i]));
                        start = i + 1;
                    }
                }
                out.write(buf, start, off + len - start);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }
}
