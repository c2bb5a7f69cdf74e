package farm.llama.atmosphere.plugin.discovery.ollama;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Whether a model's chat template lets Ollama continue a trailing assistant message. Ollama does
 * not document it; its template code decides. A template over {@code .Messages} is rendered with
 * every message, and the assistant's last one stays open only where the template closes an
 * assistant turn under {@code if not $last} (Ollama's own templates do: llama3.x, qwen2.5, …). An
 * older template over {@code .Prompt}/{@code .Response} is cut right after {@code .Response}, so
 * the response is continued. Anything else would answer the prefix as a finished turn, so it is
 * refused before the request is sent. Verdicts are kept for a while per model.
 */
final class OllamaTemplates {

    private static final Pattern OPEN_LAST = Pattern.compile("\\bnot\\s+\\$last\\b");
    private static final Duration KEEP = Duration.ofMinutes(10);

    private record Verdict(boolean continues, String why, Instant at) {
    }

    private final Clock clock;
    private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();

    OllamaTemplates(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param template a model's template, as {@code /api/show} gives it
     * @return why it continues a trailing assistant message, or null when it does not
     */
    static String continues(String template) {
        if (template.contains(".Messages")) {
            return OPEN_LAST.matcher(template).find() ? "its template leaves the last assistant message open (not $last)" : null;
        }
        return template.contains(".Response") ? "its template is cut after .Response" : null;
    }

    /**
     * @param model the model
     * @param template fetches the model's template ({@code /api/show})
     * @param backend the backend's id, for the error
     * @throws CallFailedException REFUSED (another candidate may continue) when the template does not
     *         continue, or cannot be read
     */
    void requireContinues(String model, Supplier<String> template, String backend) {
        Instant now = clock.instant();
        Verdict v = verdicts.get(model);
        if (v == null || v.at().plus(KEEP).isBefore(now)) {
            try {
                String t = template.get();
                String why = continues(t);
                v = new Verdict(why != null, why != null ? why : t.isEmpty() ? "it has no chat template"
                        : "its chat template closes the last assistant message", now);
            } catch (CallFailedException e) {
                v = new Verdict(false, "its template could not be read (" + e.getMessage() + ")", now);
            }
            verdicts.put(model, v);
        }
        if (!v.continues()) {
            throw new CallFailedException(FailureKind.REFUSED, backend + " cannot continue a trailing assistant message with "
                    + model + ": " + v.why());
        }
    }
}
