package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.routing.Embedder;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A fast embedder with no model and no dependencies: words, their light stems, the concepts
 * they belong to ({@link Concepts}) and character trigrams are hashed (signed) into a fixed
 * vector, then L2-normalised. Good enough to route "fix this Python stack trace" to a code model
 * without sharing a word with its description; a real model embedder replaces it when installed.
 *
 * <p>Stateless and thread-safe.
 */
public final class LexicalEmbedder implements Embedder {

    /** Vector length. */
    public static final int DIMENSIONS = 1024;

    private static final float WORD = 1.0f;
    private static final float CONCEPT = 1.6f;
    private static final float TRIGRAM = 0.25f;

    private volatile boolean closed;

    @Override
    public String id() {
        return "lexical-v1";
    }

    @Override
    public int dimensions() {
        return DIMENSIONS;
    }

    @Override
    public float[] embed(String text) {
        if (closed) {
            throw new IllegalStateException("embedder closed");
        }
        float[] v = new float[DIMENSIONS];
        for (String word : words(text)) {
            if (Concepts.STOPWORDS.contains(word)) {
                continue;
            }
            String stem = stem(word);
            add(v, "w:" + stem, WORD);
            for (String concept : Concepts.of(word, stem)) {
                add(v, "c:" + concept, CONCEPT);
            }
            String padded = " " + stem + " ";
            for (int i = 0; i + 3 <= padded.length(); i++) {
                add(v, "t:" + padded.substring(i, i + 3), TRIGRAM);
            }
        }
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        if (norm > 0) {
            float inv = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
        return v;
    }

    static List<String> words(String text) {
        String t = Normalizer.normalize(text, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "").toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            i += Character.charCount(cp);
            boolean cjk = Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN
                    || Character.UnicodeScript.of(cp) == Character.UnicodeScript.HIRAGANA
                    || Character.UnicodeScript.of(cp) == Character.UnicodeScript.KATAKANA;
            if (Character.isLetterOrDigit(cp) || cp == '+' || cp == '#') {
                if (cjk) {
                    flush(cur, out);
                    out.add(new String(Character.toChars(cp)));
                } else {
                    cur.appendCodePoint(cp);
                }
            } else {
                flush(cur, out);
            }
        }
        flush(cur, out);
        return out;
    }

    private static void flush(StringBuilder cur, List<String> out) {
        if (!cur.isEmpty()) {
            out.add(cur.toString());
            cur.setLength(0);
        }
    }

    static String stem(String w) {
        if (w.length() > 5 && w.endsWith("ing")) {
            return w.substring(0, w.length() - 3);
        }
        if (w.length() > 4 && w.endsWith("ies")) {
            return w.substring(0, w.length() - 3) + "y";
        }
        if (w.length() > 4 && w.endsWith("ed")) {
            return w.substring(0, w.length() - 2);
        }
        if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us")) {
            return w.substring(0, w.length() - 1);
        }
        return w;
    }

    private static void add(float[] v, String feature, float weight) {
        int h = 0x811c9dc5;
        for (int i = 0; i < feature.length(); i++) {
            h ^= feature.charAt(i);
            h *= 0x01000193;
        }
        int index = Math.floorMod(h, DIMENSIONS);
        v[index] += (h & 0x40000000) == 0 ? weight : -weight;
    }

    @Override
    public void close() {
        closed = true;
    }
}
