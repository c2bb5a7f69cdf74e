package farm.llama.atmosphere.spi.contract;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.ChatChunk;
import farm.llama.atmosphere.spi.ChatRequest;
import farm.llama.atmosphere.spi.ConfigView;
import farm.llama.atmosphere.spi.EmbedRequest;
import farm.llama.atmosphere.spi.Embeddings;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeContext;
import farm.llama.atmosphere.spi.NodeEvent;
import farm.llama.atmosphere.spi.NodeStatus;
import farm.llama.atmosphere.spi.RoutingService;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

/**
 * A node context for contract tests: a node with no backends, no members and no tools — its
 * router refuses every call as a node without capabilities does, and its tools and agents are
 * the SPI's defaults (none). Events are recorded in {@link #events}. Configuration is empty:
 * the provider's defaults apply.
 */
public class TestContext implements NodeContext {

    /** Every event the provider published. */
    public final List<NodeEvent> events = new CopyOnWriteArrayList<>();

    private final Path dataDir;

    /** @param dataDir the provider's data folder (a test's temporary folder) */
    public TestContext(Path dataDir) {
        this.dataDir = dataDir;
    }

    @Override
    public String nodeId() {
        return "0123456789abcdef";
    }

    @Override
    public String nodeName() {
        return "contract-test";
    }

    @Override
    public String version() {
        return "0.2.0";
    }

    @Override
    public Path dataDir() {
        try {
            return Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public ConfigView config() {
        return EMPTY;
    }

    @Override
    public Clock clock() {
        return Clock.systemUTC();
    }

    @Override
    public void publishEvent(NodeEvent event) {
        events.add(event);
    }

    @Override
    public NodeStatus status() {
        return new NodeStatus(nodeId(), nodeName(), version(), Instant.now(), Duration.ZERO, 1, 0, 0, false);
    }

    @Override
    public RoutingService routing() {
        return NO_CAPABILITIES;
    }

    private static final RoutingService NO_CAPABILITIES = new RoutingService() {
        @Override
        public Flow.Publisher<ChatChunk> chat(ChatRequest request) {
            return subscriber -> {
                subscriber.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
                subscriber.onError(new CallFailedException(FailureKind.NOT_FOUND, "no capability (contract test)"));
            };
        }

        @Override
        public String complete(ChatRequest request) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "no capability (contract test)");
        }

        @Override
        public Embeddings embed(EmbedRequest request) {
            throw new CallFailedException(FailureKind.NOT_FOUND, "no capability (contract test)");
        }

        @Override
        public RouteDecision explain(RouteQuery query) {
            return new RouteDecision(Optional.empty(), List.of(), "no capability (contract test)");
        }
    };

    private static final ConfigView EMPTY = new ConfigView() {
        @Override
        public Optional<String> string(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<Long> number(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<Boolean> bool(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<Duration> duration(String key) {
            return Optional.empty();
        }

        @Override
        public List<String> list(String key) {
            return List.of();
        }

        @Override
        public ConfigView subtree(String key) {
            return this;
        }

        @Override
        public Map<String, Object> asMap() {
            return Map.of();
        }
    };
}
