package farm.llama.atmosphere.bench;

import farm.llama.atmosphere.plugin.router.semantic.LexicalEmbedder;
import farm.llama.atmosphere.plugin.router.semantic.SemanticRouter;
import farm.llama.atmosphere.runtime.config.TreeConfigView;
import farm.llama.atmosphere.runtime.discovery.DiscoveryService;
import farm.llama.atmosphere.runtime.plugins.PluginHost;
import farm.llama.atmosphere.runtime.routing.CostModel;
import farm.llama.atmosphere.runtime.routing.RouterService;
import farm.llama.atmosphere.runtime.routing.RoutingEngine;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.ConfigView;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.NodeStatus;
import farm.llama.atmosphere.spi.RoutingService;
import farm.llama.atmosphere.spi.discovery.BackendClient;
import farm.llama.atmosphere.spi.discovery.BackendEndpoint;
import farm.llama.atmosphere.spi.discovery.BackendInfo;
import farm.llama.atmosphere.spi.discovery.Capability;
import farm.llama.atmosphere.spi.discovery.DiscoveryBackend;
import farm.llama.atmosphere.spi.discovery.DiscoveryProvider;
import farm.llama.atmosphere.spi.discovery.ModelProfiles;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Flow;

/**
 * Routing decision latency through {@link RouterService#decide} (candidates, cost terms, router)
 * over N synthetic capabilities described by the same {@link ModelProfiles} code as real models.
 */
final class RoutingBench {

    private static final String[] FAMILIES = {"llama3.2", "qwen2.5-coder", "deepseek-r1", "llava", "nomic-embed-text",
            "mistral", "gemma2", "phi4", "codellama", "mxbai-embed-large", "qwq", "moondream"};
    private static final String[] SIZES = {"1b", "3b", "7b", "8b", "13b", "14b", "32b", "70b"};
    private static final String[] INTENTS = {"fix my python stack trace", "why is the sky blue", "translate this email to French",
            "what is in this photo", "prove that there are infinitely many primes", "find documents similar to this one",
            "summarize the meeting notes", "write a SQL query joining orders and customers", "plan a three day trip to Rome",
            "how much interest will my savings earn"};

    private RoutingBench() {
    }

    static void run() {
        table("lexical-v1", LexicalEmbedder::new, new int[] {100, 1_000, 20_000});
        table("minilm-l6-v2-q, the image's default", () -> new farm.llama.atmosphere.plugin.embedder.minilm.MiniLmEmbedderProvider()
                .create(context(new TreeConfigView("", Map.of()))), new int[] {100, 1_000});
    }

    private static void table(String name, java.util.function.Supplier<farm.llama.atmosphere.spi.routing.Embedder> embedder, int[] sizes) {
        System.out.println();
        System.out.println("## Routing decision latency (RouterService.decide, with the example sets; " + name + " embedder)");
        System.out.println();
        System.out.println("| capabilities | p50 cached intent | p99 cached intent | p50 incl. embedding | p99 incl. embedding |");
        System.out.println("|---|---|---|---|---|");
        for (int n : sizes) {
            RouterService router = router(n, embedder.get());
            int iterations = n >= 20_000 ? 300 : 3_000;
            for (int i = 0; i < iterations; i++) {
                router.decide(query(INTENTS[i % INTENTS.length]));
            }
            long[] cached = new long[iterations];
            for (int i = 0; i < iterations; i++) {
                RouteQuery q = query(INTENTS[i % INTENTS.length]);
                long t0 = System.nanoTime();
                router.decide(q);
                cached[i] = System.nanoTime() - t0;
            }
            long[] fresh = new long[iterations];
            for (int i = 0; i < iterations; i++) {
                RouteQuery q = query(INTENTS[i % INTENTS.length] + " number " + i + " of run " + n);
                long t0 = System.nanoTime();
                router.decide(q);
                fresh[i] = System.nanoTime() - t0;
            }
            System.out.printf("| %,d | %.3f ms | %.3f ms | %.3f ms | %.3f ms |%n", n, Bench.percentile(cached, 50),
                    Bench.percentile(cached, 99), Bench.percentile(fresh, 50), Bench.percentile(fresh, 99));
        }
    }

    private static RouteQuery query(String intent) {
        return new RouteQuery(intent, java.util.Set.of("llm/chat", "llm/code", "llm/reasoning", "vision/chat", "llm/embed"),
                Optional.empty());
    }

    static RouterService router(int n) {
        return router(n, new LexicalEmbedder());
    }

    static RouterService router(int n, farm.llama.atmosphere.spi.routing.Embedder embedder) {
        List<Capability> caps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = FAMILIES[i % FAMILIES.length] + "-v" + (i / FAMILIES.length) + ":" + SIZES[i % SIZES.length];
            ModelProfiles.Profile p = ModelProfiles.describe(name, List.of());
            caps.add(new Capability("bench@127.0.0.1:1/" + name, "0000000000000000", p.type(), name, p.description(),
                    List.of(name), p.tags(), "http://127.0.0.1:1/", Map.of("backend", "bench@127.0.0.1:1")));
        }
        BackendClient client = new BackendClient() {
            public BackendInfo info() {
                return new BackendInfo("bench@127.0.0.1:1", "bench", URI.create("http://127.0.0.1:1/"), "");
            }

            public List<Capability> capabilities() {
                return caps;
            }

            public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
                throw new UnsupportedOperationException("the routing bench only routes; it never chats");
            }

            public Embeddings embed(EmbedRequest request) {
                throw new UnsupportedOperationException("the routing bench only routes; it never embeds");
            }

            public void close() {
            }
        };
        DiscoveryProvider provider = new DiscoveryProvider() {
            public String type() {
                return "bench";
            }

            public DiscoveryBackend create(NodeContext context) {
                return new DiscoveryBackend() {
                    public List<BackendClient> scan(List<BackendEndpoint> configured, boolean probe) {
                        return List.of(client);
                    }

                    public void close() {
                    }
                };
            }
        };
        ConfigView empty = new TreeConfigView("", Map.of());
        DiscoveryService discovery = new DiscoveryService(List.of(new PluginHost.Found<>(provider, "bench")), f -> context(empty),
                (a, b) -> { }, new TreeConfigView("discovery", Map.of()), null, e -> { });
        discovery.scanNow();
        SemanticRouter semantic = new SemanticRouter();
        RoutingEngine engine = RoutingEngine.of(Optional.of(semantic), Optional.of(embedder));
        while (!semantic.examplesReady()) { // a model embedder embeds the examples in the background
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return new RouterService(discovery, engine, new CostModel(new TreeConfigView("cost", Map.of())), e -> { },
                "0000000000000000", 3, Duration.ofSeconds(5), Duration.ofSeconds(120));
    }

    static NodeContext context(ConfigView config) {
        return new NodeContext() {
            public String nodeId() {
                return "0000000000000000";
            }

            public String nodeName() {
                return "bench";
            }

            public String version() {
                return "bench";
            }

            public Path dataDir() {
                return Path.of(System.getProperty("java.io.tmpdir"));
            }

            public ConfigView config() {
                return config;
            }

            public Clock clock() {
                return Clock.systemUTC();
            }

            public void publishEvent(NodeEvent event) {
            }

            public NodeStatus status() {
                throw new UnsupportedOperationException("no node status in the routing bench");
            }

            public RoutingService routing() {
                throw new UnsupportedOperationException("no routing service in the routing bench context");
            }
        };
    }
}
