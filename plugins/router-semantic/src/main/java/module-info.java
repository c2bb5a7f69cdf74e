/**
 * The semantic router (meaning, then cost, with hysteresis) and the lexical embedder (a concept
 * lexicon and hashed words: no model). Beside a model embedder the router routes with both
 * ({@code HybridEmbedder}). Loaded as a PF4J plugin (through {@code META-INF/services}) or from
 * the module path (through {@code provides}).
 */
module farm.llama.atmosphere.plugin.router.semantic {
    requires farm.llama.atmosphere.spi;

    exports farm.llama.atmosphere.plugin.router.semantic;

    provides farm.llama.atmosphere.spi.routing.RouterProvider
            with farm.llama.atmosphere.plugin.router.semantic.SemanticRouterProvider;
    provides farm.llama.atmosphere.spi.routing.EmbedderProvider
            with farm.llama.atmosphere.plugin.router.semantic.LexicalEmbedderProvider;
}
