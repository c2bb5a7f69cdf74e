package farm.llama.atmosphere.bench;

import com.sun.net.httpserver.HttpServer;
import farm.llama.atmosphere.runtime.node.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        HttpServer backend = BenchBackends.backend();
        ChromeDriver browser = null;
        try (Node node = BenchBackends.nodeFor(backend)) {
            URI via = node.serve("127.0.0.1", 0);
            node.scan();
            ChromeOptions options = new ChromeOptions();
            options.setBinary("/usr/bin/chromium");
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-dev-shm-usage", "--window-size=1400,900");
            // -Dbench.chromedriver names another driver, e.g. a script that execs it under taskset (its browser inherits the CPUs)
            browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(
                    Path.of(System.getProperty("bench.chromedriver", "/usr/bin/chromedriver")).toFile()).usingAnyFreePort().build(), options);
            browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", LONG_TASKS));
            browser.get(via.toString().replaceAll("/+$", "") + "/ui/#requests");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String body = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"why is the sky blue?\"}]}";
            for (int i = 0; i < 50; i++) {
                BenchBackends.call(http, via, body); // warm up, and the page's first rows
            }
            for (int i = 0; i < 300 && !Boolean.TRUE.equals(browser.executeScript(
                    "return document.querySelectorAll('table.requests tbody tr').length >= 50;")); i++) {
                Thread.sleep(100);
            }
            if (!Boolean.TRUE.equals(browser.executeScript("return document.querySelectorAll('table.requests tbody tr').length >= 50;"))) {
                throw new IllegalStateException("the Requests view never showed the warm-up requests: "
                        + browser.executeScript("return document.body.innerText;"));
            }
            browser.executeScript("window.__long = [];"); // what loading the page took is the other bench's
            browser.executeCdpCommand("Performance.enable", Map.of());
            Map<String, Double> before = metrics(browser);
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
                            BenchBackends.call(http, via, body);
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
            Map<String, Double> after = metrics(browser);
            double busy = after.get("TaskDuration") - before.get("TaskDuration");
            double script = after.get("ScriptDuration") - before.get("ScriptDuration");
            double layout = after.get("LayoutDuration") - before.get("LayoutDuration") + after.get("RecalcStyleDuration") - before.get("RecalcStyleDuration");
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
            System.out.printf("| the page's main thread busy (of which script / layout and style) | %.1f s of %.0f s: %.1f%% (%.1f s / %.1f s) |%n",
                    busy, elapsed, 100 * busy / elapsed, script, layout);
            System.out.printf("| JS heap after GC, every 30 s | %s |%n", String.join(", ", heap.stream().map(b -> String.format("%.1f MB", b / 1e6)).toList()));
            System.out.printf("| rows drawn / requests the page counts (usage) | %s / %s |%n", rows, total);
        } finally {
            if (browser != null) {
                browser.quit();
            }
            backend.stop(0);
        }
    }

    /** @return Chromium's performance counters of the page (durations in seconds) */
    @SuppressWarnings("unchecked")
    private static Map<String, Double> metrics(ChromeDriver browser) {
        Map<String, Double> out = new java.util.HashMap<>();
        for (Map<String, Object> m : (List<Map<String, Object>>) browser.executeCdpCommand("Performance.getMetrics", Map.of()).get("metrics")) {
            out.put((String) m.get("name"), ((Number) m.get("value")).doubleValue());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static long heapAfterGc(ChromeDriver browser) {
        browser.executeCdpCommand("HeapProfiler.collectGarbage", Map.of());
        Map<String, Object> usage = browser.executeCdpCommand("Runtime.getHeapUsage", Map.of());
        return ((Number) usage.get("usedSize")).longValue();
    }
}
