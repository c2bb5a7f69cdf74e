package farm.llama.atmosphere.spi.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a model's name (and the families its backend reports) tells about it: its capability type
 * and a description a router can match intents against. Every discovery plugin describes models
 * through this one class, so routing behaves the same whichever backend serves a model.
 *
 * <p>Stateless and thread-safe.
 */
public final class ModelProfiles {

    /**
     * What is known of a model.
     *
     * @param type the capability type: {@code llm/chat}, {@code llm/code}, {@code llm/reasoning},
     *             {@code llm/math}, {@code llm/translate} (since 0.2), {@code llm/embed} or {@code vision/chat}
     * @param description words to route on
     * @param tags short labels ({@code code}, {@code vision}, {@code 7b}, {@code tools} for models trained to call tools)
     */
    public record Profile(String type, String description, List<String> tags) {
        /** Validates and copies. */
        public Profile {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(description, "description");
            tags = List.copyOf(tags);
        }
    }

    private static final Pattern SIZE = Pattern.compile("(?<![a-z])(\\d+(?:\\.\\d+)?)([bm])(?![a-z])");

    private ModelProfiles() {
    }

    /**
     * @param model the model name as the backend lists it ({@code qwen2.5-coder:7b})
     * @param families model families the backend reports (Ollama's {@code details.families}), maybe empty
     * @return its profile
     */
    public static Profile describe(String model, List<String> families) {
        String m = model.toLowerCase(Locale.ROOT);
        String base = m.contains("/") ? m.substring(m.lastIndexOf('/') + 1) : m;
        String name = base.contains(":") ? base.substring(0, base.indexOf(':')) : base;
        List<String> fams = families.stream().map(f -> f.toLowerCase(Locale.ROOT)).toList();
        List<String> tags = new ArrayList<>();
        String size = size(base);
        String sized = size.isEmpty() ? name : name + " (" + size + ")";
        if (!size.isEmpty()) {
            tags.add(size.toLowerCase(Locale.ROOT));
        }
        if (matches(name, "llama3.1", "llama3.2", "llama3.3", "llama4", "qwen2.5", "qwen3", "mistral", "mixtral", "command-r",
                "firefunction", "hermes3", "granite3", "phi4-mini", "gpt-oss", "smollm2", "nemotron", "devstral")) {
            tags.add("tools");
        }
        if (matches(name, "embed", "nomic", "bge", "e5-", "gte", "minilm", "mxbai", "arctic-embed", "snowflake", "paraphrase", "sentence")
                || fams.contains("bert") || fams.contains("nomic-bert")) {
            tags.add("embeddings");
            return new Profile("llm/embed", "Embedding model " + sized + ": turns text into vectors for semantic search,"
                    + " retrieval, RAG, similarity, clustering, deduplication and recommendations.", tags);
        }
        if (matches(name, "llava", "vision", "bakllava", "moondream", "minicpm-v", "qwen2-vl", "qwen2.5vl", "qwen2.5-vl",
                "pixtral", "gemma3", "granite3.2-vision", "llama4") || fams.contains("clip") || fams.contains("mllama")) {
            tags.add("vision");
            return new Profile("vision/chat", "Vision-language model " + sized + ": looks at images, photos, screenshots,"
                    + " diagrams and scanned documents; describes pictures, reads text in images (OCR), answers"
                    + " questions about what is visible, and also chats.", tags);
        }
        if (matches(name, "coder", "code", "starcoder", "codellama", "codegemma", "deepseek-coder", "codestral", "devstral",
                "granite-code", "codeqwen", "wizardcoder", "sqlcoder")) {
            tags.add("code");
            return new Profile("llm/code", "Code model " + sized + ": writes, completes, explains, reviews, refactors and"
                    + " debugs source code; programming in Python, JavaScript, TypeScript, Java, Go, Rust, C, SQL and"
                    + " shell scripts; functions, classes, algorithms, regular expressions, unit tests, stack traces,"
                    + " compiler errors and APIs.", tags);
        }
        if (matches(name, "math", "mathstral", "deepseek-math", "internlm2-math")) {
            tags.add("math");
            return new Profile("llm/math", "Math model " + sized + ": arithmetic, algebra, calculus, geometry,"
                    + " probability, statistics, equations, proofs and word problems with numbers.", tags);
        }
        if (matches(name, "translat", "nllb", "madlad", "towerinstruct", "tower-", "seamless", "opus-mt", "m2m100")) {
            tags.add("translation");
            return new Profile("llm/translate", "Translation model " + sized + ": translates text between languages"
                    + " (English, French, Spanish, German, Italian, Portuguese, Chinese, Japanese, Korean and more).", tags);
        }
        if (matches(name, "r1", "qwq", "reason", "think", "o1", "o3", "o4", "marco-o1", "phi4-reasoning", "magistral", "openthinker")) {
            tags.add("reasoning");
            return new Profile("llm/reasoning", "Reasoning model " + sized + ": thinks step by step through mathematics,"
                    + " arithmetic, word problems, logic puzzles, proofs, planning, scheduling, analysis of trade-offs"
                    + " and other hard problems that need careful deliberation.", tags);
        }
        return new Profile("llm/chat", "General chat model " + sized + ": conversation, answering questions, explaining"
                + " things, writing and editing text, emails, stories, summaries, translation, brainstorming, advice"
                + " and everyday assistant tasks.", tags);
    }

    private static boolean matches(String name, String... needles) {
        for (String n : needles) {
            if (n.length() <= 2 ? Pattern.compile("(^|[^a-z])" + Pattern.quote(n) + "([^a-z0-9]|$)").matcher(name).find()
                    : name.contains(n)) {
                return true;
            }
        }
        return false;
    }

    private static String size(String base) {
        String tag = base.contains(":") ? base.substring(base.indexOf(':') + 1) : base;
        Matcher m = SIZE.matcher(tag);
        if (m.find()) {
            return m.group(1) + m.group(2).toUpperCase(Locale.ROOT);
        }
        return "";
    }
}
