package farm.llama.atmosphere.runtime.node;

import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.Provider;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Chooses the one provider of a family the node uses (a transport of a type, the embedder, the
 * router): the first of the wanted type — or of any type, when none is named — that starts. A
 * provider that throws fails alone: its plugin is marked failed with the reason, and the reasons of
 * every provider tried make one message for the caller to report.
 */
public final class ProviderSelector {

    /** Makes the context a provider is created with. */
    @FunctionalInterface
    public interface Contexts {
        /**
         * @param section the config section of the family
         * @param family the family's short name, for the provider's data folder
         * @param found the provider
         * @return its context
         */
        NodeContext of(String section, String family, PluginHost.Found<? extends Provider> found);
    }

    /** Creates the product of one provider. */
    @FunctionalInterface
    public interface Creator<P extends Provider, T> {
        /**
         * @param provider the provider
         * @param context its context
         * @return what it makes
         */
        T create(P provider, NodeContext context);
    }

    /**
     * What a selection found.
     *
     * @param chosen the product of the first provider that started, if any did
     * @param origin the plugin it came from (empty when none started)
     * @param failures why each provider tried before it failed, one line each
     * @param <T> the product
     */
    public record Selected<T>(Optional<T> chosen, String origin, List<String> failures) {
        /** Copies. */
        public Selected {
            failures = List.copyOf(failures);
        }

        /** @return the failures in one line, or empty */
        public String why() {
            return String.join("; ", failures);
        }
    }

    private static final System.Logger LOG = System.getLogger(ProviderSelector.class.getName());

    private final PluginHost plugins;
    private final Contexts contexts;

    /**
     * @param plugins the plugins
     * @param contexts makes providers' contexts
     */
    public ProviderSelector(PluginHost plugins, Contexts contexts) {
        this.plugins = plugins;
        this.contexts = contexts;
    }

    /**
     * @param family the provider interface
     * @param name the family's short name ({@code transport}, {@code embedder}, {@code router})
     * @param section its config section
     * @param wanted the type wanted, or empty for the first that starts
     * @param creator makes the product
     * @param <P> the provider type
     * @param <T> the product
     * @return the first product, and why the providers tried before it failed
     */
    public <P extends Provider, T> Selected<T> first(Class<P> family, String name, String section, Optional<String> wanted,
                                                    Creator<P, T> creator) {
        return first(family, name, section, type -> wanted.isEmpty() || wanted.get().equals(type), creator);
    }

    /**
     * The provider config names ({@code wanted}); when it is missing or fails, the first other one
     * that starts (each provider is tried once).
     *
     * @param family the provider interface
     * @param name the family's short name
     * @param section its config section
     * @param key the config key that names the type, for the warning
     * @param wanted the type wanted, or empty for the first that starts
     * @param creator makes the product
     * @param <P> the provider type
     * @param <T> the product
     * @return the product, if any provider of the family started
     */
    public <P extends Provider, T> Selected<T> preferred(Class<P> family, String name, String section, String key, Optional<String> wanted,
                                                        Creator<P, T> creator) {
        Selected<T> s = first(family, name, section, wanted, creator);
        if (s.chosen().isPresent() || wanted.isEmpty()) {
            return s;
        }
        Selected<T> other = first(family, name, section, type -> !type.equals(wanted.get()), creator);
        LOG.log(System.Logger.Level.WARNING, () -> key + " '" + wanted.get() + "' is not available" + (s.failures().isEmpty() ? "" : " ("
                + s.why() + ")") + other.chosen().map(x -> "; using " + name + " from " + other.origin()).orElse(""));
        return other;
    }

    private <P extends Provider, T> Selected<T> first(Class<P> family, String name, String section, Predicate<String> type,
                                                     Creator<P, T> creator) {
        List<String> failures = new ArrayList<>();
        for (PluginHost.Found<P> f : plugins.providers(family)) {
            if (!type.test(f.provider().type())) {
                continue;
            }
            try {
                return new Selected<>(Optional.of(creator.create(f.provider(), contexts.of(section, name, f))), f.origin(), failures);
            } catch (RuntimeException | LinkageError e) {
                String reason = name + " '" + f.provider().type() + "' failed: " + PluginHost.oneLine(e);
                plugins.providerFailed(f.origin(), reason);
                failures.add(reason);
            }
        }
        return new Selected<>(Optional.empty(), "", failures);
    }
}
