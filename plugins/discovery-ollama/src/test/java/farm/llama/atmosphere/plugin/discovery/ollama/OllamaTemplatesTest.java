package farm.llama.atmosphere.plugin.discovery.ollama;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which Ollama chat templates continue a trailing assistant message, as Ollama's template code renders them. */
class OllamaTemplatesTest {

    /** The shape of the templates Ollama's library ships for Llama 3.2 and Qwen 2.5: the last assistant turn is left open. */
    private static final String MESSAGES_OPEN = """
            {{- range $i, $_ := .Messages }}
            {{- $last := eq (len (slice $.Messages $i)) 1 -}}
            {{- if eq .Role "user" }}<|im_start|>user
            {{ .Content }}<|im_end|>
            {{ else if eq .Role "assistant" }}<|im_start|>assistant
            {{ .Content }}{{ if not $last }}<|im_end|>
            {{ end }}
            {{- end }}
            {{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
            {{ end }}
            {{- end }}""";

    /** Every assistant turn closed, and $last used only for the generation prompt. */
    private static final String MESSAGES_CLOSED = """
            {{- range $i, $_ := .Messages }}{{- $last := eq (len (slice $.Messages $i)) 1 -}}
            <|{{ .Role }}|>{{ .Content }}<|end|>
            {{- if $last }}<|assistant|>{{ end }}{{- end }}""";

    @Test
    void templatesThatLeaveTheLastAssistantTurnOpenOrAreCutAfterTheResponseContinue() {
        assertNotNull(OllamaTemplates.continues(MESSAGES_OPEN));
        assertNotNull(OllamaTemplates.continues("[INST] {{ .System }} {{ .Prompt }} [/INST] {{ .Response }}"),
                "a template over .Prompt/.Response is cut right after .Response");
        assertNull(OllamaTemplates.continues(MESSAGES_CLOSED));
        assertNull(OllamaTemplates.continues("{{ .Prompt }}"), "without .Response the assistant's text would not be rendered at all");
        assertNull(OllamaTemplates.continues(""));
    }

    @Test
    void aVerdictIsKeptForAWhileAndARefusalNamesWhy() {
        Instant[] now = {Instant.parse("2026-12-05T10:00:00Z")};
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        OllamaTemplates t = new OllamaTemplates(clock);
        AtomicInteger shows = new AtomicInteger();
        assertDoesNotThrow(() -> t.requireContinues("llama3.2", () -> {
            shows.incrementAndGet();
            return MESSAGES_OPEN;
        }, "ollama@x"));
        assertDoesNotThrow(() -> t.requireContinues("llama3.2", () -> {
            shows.incrementAndGet();
            return MESSAGES_OPEN;
        }, "ollama@x"));
        assertEquals(1, shows.get(), "asked once while the verdict is fresh");
        now[0] = now[0].plus(Duration.ofMinutes(11));
        CallFailedException e = assertThrows(CallFailedException.class, () -> t.requireContinues("llama3.2", () -> {
            shows.incrementAndGet();
            return MESSAGES_CLOSED;
        }, "ollama@x"));
        assertEquals(2, shows.get(), "asked again once the verdict is old: the model may have been replaced");
        assertEquals(FailureKind.REFUSED, e.kind());
        assertTrue(e.getMessage().contains("closes the last assistant message"), e.getMessage());
        CallFailedException unreadable = assertThrows(CallFailedException.class, () -> t.requireContinues("phi3", () -> {
            throw new CallFailedException(FailureKind.NOT_FOUND, "model 'phi3' not found");
        }, "ollama@x"));
        assertTrue(unreadable.getMessage().contains("could not be read"), unreadable.getMessage());
    }
}
