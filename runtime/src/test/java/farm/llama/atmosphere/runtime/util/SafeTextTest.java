package farm.llama.atmosphere.runtime.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringWriter;
import java.io.Writer;
import org.junit.jupiter.api.Test;

class SafeTextTest {

    private static final String OSC52 = "\u001b]52;c;ZXZpbA==\u0007";

    @Test
    void controlsAndBidiOverridesAreEscapedLinesAndTabsAndOtherScriptsKept() {
        assertEquals("\\u001b]52;c;ZXZpbA==\\u0007 ok", SafeText.forTerminal(OSC52 + " ok"));
        assertEquals("a\\u202eb\\u2066c\\u009bd\\u007fe", SafeText.forTerminal("a\u202eb\u2066c\u009bd\u007fe"));
        assertEquals("line 1\n\tline 2 — żółw 🐢 ملف", SafeText.forTerminal("line 1\n\tline 2 — żółw 🐢 ملف"));
        assertEquals("", SafeText.forTerminal(null));
    }

    @Test
    void aNameLosesControlsAndLineBreaksAndIsCappedAt64Characters() {
        assertEquals("]52;c;ZXZpbA== laptop", SafeText.name(OSC52 + " laptop"));
        assertEquals("two lines", SafeText.name("two\n lines".replace("\n ", "\n").replace("\n", " ")));
        assertEquals("ab", SafeText.name("a\nb"));
        assertEquals(64, SafeText.name("x".repeat(500)).length());
        assertEquals(63, SafeText.name("x".repeat(63) + "🐢").length(), "never half a surrogate pair");
        assertEquals("", SafeText.name(null));
    }

    @Test
    void theWriterEscapesWhateverPassesThrough() throws Exception {
        StringWriter sink = new StringWriter();
        try (Writer w = SafeText.wrap(sink)) {
            w.write("name: " + OSC52 + "\n");
            w.write("\u202e".toCharArray(), 0, 1);
        }
        assertEquals("name: \\u001b]52;c;ZXZpbA==\\u0007\n\\u202e", sink.toString());
    }
}
