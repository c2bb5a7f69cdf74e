package farm.llama.atmosphere.plugin.embedder.minilm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BERT's uncased tokenizer: clean, split CJK characters, lower-case, strip accents, split on
 * whitespace and punctuation, then greedy longest-match WordPiece over the vocabulary. Immutable
 * and thread-safe.
 */
final class WordPiece {

    private static final int MAX_WORD = 100;

    private final Map<String, Integer> vocab;
    final int cls;
    final int sep;
    final int unk;

    WordPiece(InputStream vocabulary) throws IOException {
        Map<String, Integer> v = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(vocabulary, StandardCharsets.UTF_8))) {
            String line;
            int i = 0;
            while ((line = r.readLine()) != null) {
                v.put(line, i++);
            }
        }
        this.vocab = Map.copyOf(v);
        this.cls = id("[CLS]");
        this.sep = id("[SEP]");
        this.unk = id("[UNK]");
    }

    private int id(String token) {
        Integer i = vocab.get(token);
        if (i == null) {
            throw new IllegalStateException("the vocabulary has no " + token);
        }
        return i;
    }

    /**
     * @param text any text
     * @param maxTokens the model's limit, [CLS] and [SEP] included
     * @return token ids: [CLS] pieces… [SEP]
     */
    long[] encode(String text, int maxTokens) {
        List<Integer> ids = new ArrayList<>();
        ids.add(cls);
        outer:
        for (String word : basic(text)) {
            for (int piece : pieces(word)) {
                if (ids.size() >= maxTokens - 1) {
                    break outer;
                }
                ids.add(piece);
            }
        }
        ids.add(sep);
        long[] out = new long[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i);
        }
        return out;
    }

    static List<String> basic(String text) {
        StringBuilder clean = new StringBuilder();
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || (Character.isISOControl(cp) && !Character.isWhitespace(cp))) {
                return;
            }
            if (isCjk(cp)) {
                clean.append(' ').appendCodePoint(cp).append(' ');
            } else if (Character.isWhitespace(cp)) {
                clean.append(' ');
            } else {
                clean.appendCodePoint(cp);
            }
        });
        String lower = clean.toString().toLowerCase(Locale.ROOT);
        String stripped = Normalizer.normalize(lower, Normalizer.Form.NFD).replaceAll("\\p{Mn}+", "");
        List<String> out = new ArrayList<>();
        for (String token : stripped.trim().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            StringBuilder cur = new StringBuilder();
            for (int i = 0; i < token.length(); ) {
                int cp = token.codePointAt(i);
                i += Character.charCount(cp);
                if (isPunctuation(cp)) {
                    if (!cur.isEmpty()) {
                        out.add(cur.toString());
                        cur.setLength(0);
                    }
                    out.add(new String(Character.toChars(cp)));
                } else {
                    cur.appendCodePoint(cp);
                }
            }
            if (!cur.isEmpty()) {
                out.add(cur.toString());
            }
        }
        return out;
    }

    private List<Integer> pieces(String word) {
        if (word.codePointCount(0, word.length()) > MAX_WORD) {
            return List.of(unk);
        }
        List<Integer> out = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (start < end) {
                String sub = (start > 0 ? "##" : "") + word.substring(start, end);
                found = vocab.get(sub);
                if (found != null) {
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                return List.of(unk);
            }
            out.add(found);
            start = end;
        }
        return out;
    }

    private static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
