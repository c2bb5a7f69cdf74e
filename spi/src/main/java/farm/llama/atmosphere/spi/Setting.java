package farm.llama.atmosphere.spi;

import java.util.Objects;

/**
 * One configuration key a provider reads from its section ({@code <family>.<type>.<key>} in
 * {@code config.yaml}, for example {@code transport.websocket.max-frame}). A provider lists
 * its keys in {@link Provider#settings()}; the node then refuses a configuration whose section
 * for that provider holds a key it does not list (naming the key and the closest one it does),
 * or a value of the wrong kind, before the provider is created.
 *
 * @param key the key relative to the provider's section, dotted kebab-case ({@code max-frame})
 * @param kind what its value is
 * @param defaultValue the default as a person would write it ({@code 16777216}, {@code 10s}); empty if none
 * @param doc one line for people: what it changes
 */
public record Setting(String key, Kind kind, String defaultValue, String doc) {

    /** What a value is. */
    public enum Kind {
        /** Text. */
        TEXT,
        /** A file path ({@code ~/} is the user's home folder). */
        PATH,
        /** A positive whole number. */
        NUMBER,
        /** true or false. */
        BOOLEAN,
        /** A duration: ISO-8601 ({@code PT30S}) or short ({@code 30s}). */
        DURATION,
        /** A list of text values. */
        LIST
    }

    /** Validates. */
    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(doc, "doc");
        if (!key.matches("[a-z0-9]+(-[a-z0-9]+)*(\\.[a-z0-9]+(-[a-z0-9]+)*)*")) {
            throw new IllegalArgumentException("setting key '" + key + "': use dotted kebab-case, like max-frame");
        }
    }
}
