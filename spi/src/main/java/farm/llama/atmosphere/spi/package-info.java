/**
 * What every SPI family shares: {@link farm.llama.atmosphere.spi.Provider}, the
 * {@link farm.llama.atmosphere.spi.NodeContext} a provider is created with, its
 * {@link farm.llama.atmosphere.spi.ConfigView}, chat and embedding values, and failures.
 *
 * <p>Changes in 0.2: {@link farm.llama.atmosphere.spi.ConfigView#path(String)} and
 * {@link farm.llama.atmosphere.spi.ConfigView#expandHome(String)} (one reading of {@code ~/}
 * for every plugin); {@link farm.llama.atmosphere.spi.Provider#settings()} and
 * {@link farm.llama.atmosphere.spi.Setting}, so that a provider's configuration keys are
 * declared once and a mistyped one is refused like the node's own. All additive: a plugin
 * built against 0.1 keeps working.
 */
package farm.llama.atmosphere.spi;
