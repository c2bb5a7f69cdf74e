package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.spi.ConfigView;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The cost of running work here, as named multipliers (1.0 is neutral, higher is costlier),
 * after the original's model (reference §3.8): power and battery, CPU load, memory pressure,
 * metered network, latency, API price; plus what this node measures per capability: in-flight
 * load, measured latency, tokens per second, and whether the model is loaded (warm).
 *
 * <p>Node factors are read from the operating system at most every {@link #REFRESH_NANOS}.
 * Thread-safe.
 */
public final class CostModel {

    static final long REFRESH_NANOS = 5_000_000_000L;

    /**
     * The node's cost factors, as published (and, later, gossiped).
     *
     * @param onBattery whether the machine runs on battery
     * @param batteryPercent battery charge, or -1 if unknown
     * @param cpuLoad load average per core (capped at 2.0), or -1 if unknown
     * @param memoryUsedPercent memory in use, or -1 if unknown
     * @param metered whether the network is metered (config {@code cost.metered})
     * @param multipliers the node-level multipliers derived from these
     */
    public record NodeFactors(boolean onBattery, int batteryPercent, double cpuLoad, double memoryUsedPercent,
                              boolean metered, Map<String, Double> multipliers) {
        /** Copies. */
        public NodeFactors {
            multipliers = Collections.unmodifiableMap(new LinkedHashMap<>(multipliers));
        }

        /** @return the product of the node multipliers */
        public double overall() {
            double c = 1;
            for (double m : multipliers.values()) {
                c *= m;
            }
            return Math.round(c * 1000) / 1000.0;
        }
    }

    /**
     * What is measured of one capability's backend.
     *
     * @param latencyMs moving average of response latency, or -1 if not measured
     * @param tokensPerSecond measured generation speed, or -1
     * @param inFlight requests running now
     * @param concurrency the backend's cap
     * @param warm whether the model is loaded
     * @param pricePerMillionTokens API price in USD per million tokens (input + output averaged), 0 for local models
     */
    public record Measured(double latencyMs, double tokensPerSecond, int inFlight, int concurrency, boolean warm,
                           double pricePerMillionTokens) {
    }

    private final ConfigView config;
    /** {@code cost.prices}, read once: looked up per candidate on every routing decision. */
    private final ConfigView prices;
    private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    private volatile NodeFactors cached;
    private volatile long cachedAt;

    /**
     * @param config the {@code cost} section of the config
     */
    public CostModel(ConfigView config) {
        this.config = config;
        this.prices = config.subtree("prices");
    }

    /** @return the node's current factors */
    public NodeFactors node() {
        long now = System.nanoTime();
        NodeFactors f = cached;
        if (f == null || now - cachedAt > REFRESH_NANOS) {
            f = measure();
            cached = f;
            cachedAt = now;
        }
        return f;
    }

    private NodeFactors measure() {
        Optional<int[]> battery = battery();
        boolean onBattery = battery.isPresent() && battery.get()[1] == 1;
        int percent = battery.map(b -> b[0]).orElse(-1);
        double load = os.getSystemLoadAverage();
        double perCore = load < 0 ? -1 : Math.min(2.0, load / Math.max(1, os.getAvailableProcessors()));
        double mem = memoryUsedPercent();
        boolean metered = config.bool("metered").orElseThrow();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("power", !onBattery ? 1.0 : percent >= 50 ? 2.0 : percent >= 20 ? 3.0 : 5.0);
        m.put("cpu", perCore > 0.75 ? 2.0 : perCore > 0.5 ? 1.6 : perCore > 0.25 ? 1.3 : 1.0);
        m.put("memory", mem > 90 ? 2.5 : mem > 80 ? 1.5 : 1.0);
        double gpu = gpuBusyPercent();
        m.put("gpu", gpu > 50 ? 2.0 : gpu > 25 ? 1.5 : 1.0);
        return new NodeFactors(onBattery, percent, round(perCore), round(mem), metered, m);
    }

    /**
     * The cost terms of one candidate capability served here.
     *
     * @param measured what is known of its backend
     * @return named multipliers, node factors included
     */
    /**
     * The cost terms of a capability on another member: that member's published cost factor in
     * place of this node's, a hop, and the link's round trip.
     *
     * @param measured what is known of the candidate (latency: the member's answer time)
     * @param nodeCost the member's overall cost factor
     * @param linkMs the round trip to the member in ms, or -1
     * @return the terms
     */
    public Map<String, Double> remoteTerms(Measured measured, double nodeCost, double linkMs) {
        Map<String, Double> t = new LinkedHashMap<>();
        t.put("node", nodeCost > 0 ? round(nodeCost) : 1.0);
        t.put("hop", REMOTE_HOP);
        t.put("link", linkMs > 20 ? round(1 + (linkMs - 20) / 200) : 1.0);
        Map<String, Double> own = terms(measured);
        node().multipliers().keySet().forEach(own::remove);
        t.putAll(own);
        return t;
    }

    /** The highest node cost factor a node can have: every node multiplier at its highest (power 5, cpu 2, memory 2.5, gpu 2). */
    public static final double MAX_NODE_COST = 50.0;

    /**
     * A member's self-published cost factor as this node takes it: every node multiplier is at
     * least 1, so a factor below 1 is a lie that would win every route (and capture prompts); one
     * above {@link #MAX_NODE_COST} cannot be measured either.
     *
     * @param published the factor the member published
     * @return it, within [1, {@link #MAX_NODE_COST}]; 1 for a value that is not a number
     */
    public static double publishedNodeCost(double published) {
        return Double.isNaN(published) ? 1.0 : Math.max(1.0, Math.min(MAX_NODE_COST, published));
    }

    /** What serving a request on another member costs over serving it here, all else equal. */
    static final double REMOTE_HOP = 1.1;

    /**
     * @param measured what is known of the candidate
     * @return the cost terms (each ≥ 1; their product is the cost)
     */
    public Map<String, Double> terms(Measured measured) {
        Map<String, Double> t = new LinkedHashMap<>(node().multipliers());
        double latency = measured.latencyMs();
        t.put("latency", latency > 100 ? round(1 + (latency - 100) / 500) : 1.0);
        double cap = Math.max(1, measured.concurrency());
        t.put("load", round(1 + measured.inFlight() / cap));
        t.put("cold", measured.warm() ? 1.0 : 1.3);
        double tps = measured.tokensPerSecond();
        t.put("speed", tps <= 0 ? 1.0 : round(Math.max(1.0, Math.min(2.0, 20 / tps))));
        // API price for a typical 1000-in/500-out request, as in the original: +usd*100
        double usd = measured.pricePerMillionTokens() * 1500 / 1_000_000;
        t.put("price", round(1 + usd * 100));
        return t;
    }

    /**
     * @param model a model name
     * @return its API price per million tokens from {@code cost.prices.<model>} (0 if none)
     */
    public double price(String model) {
        return prices.string(model).map(s -> {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return 0.0;
            }
        }).orElse(0.0);
    }

    /** @return {@code [percent, onBattery ? 1 : 0]} from Linux's power supply class, if there is a battery */
    private static Optional<int[]> battery() {
        Path dir = Path.of("/sys/class/power_supply");
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> supplies = Files.newDirectoryStream(dir)) {
            for (Path s : supplies) {
                Path type = s.resolve("type");
                if (Files.exists(type) && Files.readString(type).trim().equalsIgnoreCase("Battery")) {
                    int capacity = Integer.parseInt(Files.readString(s.resolve("capacity")).trim());
                    String status = Files.readString(s.resolve("status")).trim().toLowerCase(Locale.ROOT);
                    return Optional.of(new int[] {capacity, status.equals("discharging") ? 1 : 0});
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * GPU load: the busiest of Linux's DRM {@code gpu_busy_percent} (AMD, Intel) and, when
     * {@code nvidia-smi} is installed, NVIDIA's utilisation; -1 when there is no GPU to read.
     */
    private static double gpuBusyPercent() {
        double busiest = -1;
        Path drm = Path.of("/sys/class/drm");
        if (Files.isDirectory(drm)) {
            try (DirectoryStream<Path> cards = Files.newDirectoryStream(drm, "card[0-9]*")) {
                for (Path card : cards) {
                    Path busy = card.resolve("device/gpu_busy_percent");
                    if (Files.isReadable(busy)) {
                        busiest = Math.max(busiest, Double.parseDouble(Files.readString(busy).trim()));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // unreadable: unknown
            }
        }
        String exe = File.separatorChar == '\\' ? "nvidia-smi.exe" : "nvidia-smi";
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path smi;
            try {
                smi = Path.of(dir.replace("\"", ""), exe); // Windows allows quoted PATH entries
            } catch (java.nio.file.InvalidPathException e) {
                continue;
            }
            if (!Files.isExecutable(smi)) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(smi.toString(), "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits")
                        .redirectErrorStream(true).start();
                if (p.waitFor(2, TimeUnit.SECONDS)) {
                    for (String line : new String(p.getInputStream().readAllBytes()).split("\\R")) {
                        if (!line.isBlank()) {
                            busiest = Math.max(busiest, Double.parseDouble(line.trim()));
                        }
                    }
                } else {
                    p.destroyForcibly();
                }
            } catch (IOException | RuntimeException e) {
                // no reading: unknown
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            break;
        }
        return busiest;
    }

    private static double memoryUsedPercent() {
        if (!Files.isReadable(Path.of("/proc/meminfo"))) {
            // macOS, Windows: the JDK's view of physical memory (free excludes the OS's caches, so it reads higher than Linux's)
            if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                    && os.getTotalMemorySize() > 0) {
                return 100.0 * (os.getTotalMemorySize() - os.getFreeMemorySize()) / os.getTotalMemorySize();
            }
            return -1;
        }
        try {
            long total = -1;
            long available = -1;
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    total = Long.parseLong(line.replaceAll("\\D+", ""));
                } else if (line.startsWith("MemAvailable:")) {
                    available = Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
            return total > 0 && available >= 0 ? 100.0 * (total - available) / total : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
