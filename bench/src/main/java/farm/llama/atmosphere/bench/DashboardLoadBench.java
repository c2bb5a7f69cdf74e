package farm.llama.atmosphere.bench;

import com.sun.net.httpserver.HttpServer;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeConfig;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.node.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard under load: a node in this JVM with the proxy bench's instant backend serves real
 * chat requests at a steady rate — each one a {@code request.completed} event on the stream, and
 * more events besides — while headless Chromium shows the Requests view. Measured in the page:
 * every main-thread task over 50 ms (the Long Tasks API) once the page has loaded, and the
 * JavaScript heap after a forced garbage collection, every 30 s.
 */
final class DashboardLoadBench {

    private static final String LONG_TASKS = """
            window.__long = [];
            new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__long.push(e.duration)))
              .observe({type: 'longtask', buffered: true});""";

    private DashboardLoadBench() {
    }

    static void run(int seconds, int rate) throws Exception {
        HttpServer backend = ProxyBench.backend();
        Path dir = Files.createTempDirectory("atmosphere-dashboard-load");
        DataDir data = new DataDir(dir);
        NodeSetup.init(data, Optional.of("bench"), false);
        Files.writeString(data.configFile(), "mesh:\n  mdns: false\ndiscovery:\n  probe-default-ports: false\n  max-concurrency: 64\nbackends:\n"
                + "  - type: openai\n    url: http://127.0.0.1:" + backend.getAddress().getPort() + "/v1\n");
        Path plugins = Path.of(System.getProperty("atmosphere.bench.plugins", "bench/target/plugins"));
        ChromeDriver browser = null;
        try (Node node = Node.open(data, NodeConfig.load(data.configFile(), Map.of()), Optional.of(plugins))) {
            URI via = node.serve("127.0.0.1", 0);
            node.scan();
            ChromeOptions options = new ChromeOptions();
            options.setBinary("/usr/bin/chromium");
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-dev-shm-usage", "--window-size=1400,900");
            browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
                    .usingAnyFreePort().build(), options);
            browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", LONG_TASKS));
            browser.get(via.toString().replaceAll("/+$", "") + "/ui/#requests");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String body = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"why is the sky blue?\"}]}";
            for (int i = 0; i < 50; i++) {
                ProxyBench.call(http, via, body); // warm up, and the page's first rows
            }
            Thread.sleep(3000);
            browser.executeScript("window.__long = [];"); // what loading the page took is the other bench's
            List<Long> heap = new ArrayList<>();
            heap.add(heapAfterGc(browser));
            AtomicLong sent = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            long t0 = System.nanoTime();
            long interval = 1_000_000_000L / rate;
            long nextSample = t0 + 30_000_000_000L;
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (long i = 0; ; i++) {
                    long due = t0 + i * interval;
                    long now = System.nanoTime();
                    if (now - t0 >= seconds * 1_000_000_000L) {
                        break;
                    }
                    if (due > now) {
                        Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
                    }
                    pool.submit(() -> {
                        try {
                            ProxyBench.call(http, via, body);
                            sent.incrementAndGet();
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                    });
                    if (System.nanoTime() >= nextSample) {
                        nextSample += 30_000_000_000L;
                        heap.add(heapAfterGc(browser));
                    }
                }
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(2000);
            heap.add(heapAfterGc(browser));
            @SuppressWarnings("unchecked")
            List<Number> longTasks = (List<Number>) browser.executeScript("return window.__long;");
            double longest = longTasks.stream().mapToDouble(Number::doubleValue).max().orElse(0);
            Object rows = browser.executeScript("return document.querySelectorAll('table.requests tbody tr').length;");
            Object total = browser.executeScript("const e = document.querySelector(\"[data-field='usage:sinceStart.total.requests']\");"
                    + " return e ? e.textContent : '';");
            System.out.println();
            System.out.println("## The dashboard under load (" + seconds + " s of chat requests at " + rate + "/s, Requests view open)");
            System.out.println();
            System.out.println("| what | figure |");
            System.out.println("|---|---|");
            System.out.printf("| requests answered (failed) / rate achieved | %,d (%d) / %.0f per s |%n", sent.get(), failed.get(), sent.get() / elapsed);
            System.out.printf("| main-thread tasks over 50 ms during the load | %d |%n", longTasks.size());
            System.out.printf("| longest main-thread task during the load | %.0f ms |%n", longest);
            System.out.printf("| JS heap after GC, every 30 s | %s |%n", String.join(", ", heap.stream().map(b -> String.format("%.1f MB", b / 1e6)).toList()));
            System.out.printf("| rows drawn / requests the page counts (usage) | %s / %s |%n", rows, total);
        } finally {
            if (browser != null) {
                browser.quit();
            }
            backend.stop(0);
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
        }
    }

    @SuppressWarnings("unchecked")
    private static long heapAfterGc(ChromeDriver browser) {
        browser.executeCdpCommand("HeapProfiler.collectGarbage", Map.of());
        Map<String, Object> usage = browser.executeCdpCommand("Runtime.getHeapUsage", Map.of());
        return ((Number) usage.get("usedSize")).longValue();
    }
}
