package farm.llama.atmosphere.spi;

import java.util.List;

/**
 * What every provider found by {@link java.util.ServiceLoader} has in common.
 *
 * <p>Providers are stateless and have a public no-argument constructor. The runtime instantiates a
 * provider to read its {@link #type()} and {@link #weight()}, then decides whether to call its
 * family-specific {@code create(...)} method. A provider must therefore do no work in its
 * constructor. Implementations are thread-safe because they hold no state.
 */
public interface Provider {

    /** Default weight of a provider that does not say otherwise. */
    int DEFAULT_WEIGHT = 100;

    /**
     * The provider's type name, unique within its SPI family: lower-case letters, digits and
     * dashes ({@code ollama}, {@code websocket}, {@code core}). Config refers to providers by it.
     *
     * @return the type name, never {@code null}
     */
    String type();

    /**
     * Ordering among providers of the same family: higher weights are tried, listed and preferred
     * first; equal weights keep discovery order. When two providers share a type, only the one
     * with the higher weight is used.
     *
     * @return the weight, {@link #DEFAULT_WEIGHT} unless overridden
     */
    default int weight() {
        return DEFAULT_WEIGHT;
    }

    /**
     * The keys this provider reads from its section of {@code config.yaml}
     * ({@code <family>.<type>}, handed to it as {@link NodeContext#config()}). When the list is
     * not empty, a key in that section that it does not name, or a value of another kind, is
     * refused before the provider is created, so a typo never passes silently. A provider that
     * reads no keys keeps the default; then any key in its section is reported as one it ignores.
     *
     * @return the keys it reads, with their kinds, defaults and meaning; empty by default
     */
    default List<Setting> settings() {
        return List.of();
    }
}
