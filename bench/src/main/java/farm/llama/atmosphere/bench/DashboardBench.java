package farm.llama.atmosphere.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in headless Chromium against a node of the built image on loopback (a mesh of one
 * founded for it): the bytes the page loads under {@code /ui/}, uncompressed, and the time from
 * navigation start to the members table having its row, over fresh loads (the browser's cache
 * revalidates each file with its ETag, as a returning user's would) and cold ones (cache cleared).
 */
final class DashboardBench {

    private static final String FILLED = """
            new MutationObserver((m, o) => {
              if (document.querySelector('table.members tbody tr')) { window.__filled = performance.now(); o.disconnect(); }
            }).observe(document, {childList: true, subtree: true});""";

    private DashboardBench() {
    }

    static void run(int loads) throws Exception {
        Path image = MeshBench.image();
        Path work = Files.createTempDirectory("atmosphere-dashboard-bench");
        MeshBench.Node node = MeshBench.start(image, work.resolve("a"), "bench");
        ChromeDriver browser = null;
        try {
            node.api().meshCreate("bench");
            MeshBench.await(() -> node.api().mesh().running().orElse(false), java.time.Duration.ofSeconds(30));
            String ui = node.api().base().toString().replaceAll("/+$", "") + "/ui/";
            ChromeOptions options = new ChromeOptions();
            options.setBinary("/usr/bin/chromium");
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-dev-shm-usage");
            browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
                    .usingAnyFreePort().build(), options);
            browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", FILLED));
            browser.get(ui);
            await(browser);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> files = (List<Map<String, Object>>) ((JavascriptExecutor) browser).executeScript(
                    "return [performance.getEntriesByType('navigation')[0]].concat(performance.getEntriesByType('resource'))"
                            + ".map(e => ({name: e.name, size: e.decodedBodySize}));");
            long bytes = 0;
            long api = 0;
            int uiFiles = 0;
            for (Map<String, Object> f : files) {
                long size = ((Number) f.get("size")).longValue();
                if (f.get("name").toString().startsWith(ui)) {
                    bytes += size;
                    uiFiles++;
                } else {
                    api += size;
                }
            }
            long[] warm = new long[loads];
            long[] cold = new long[loads];
            for (int i = 0; i < loads; i++) {
                browser.executeCdpCommand("Network.clearBrowserCache", Map.of());
                browser.get(ui);
                cold[i] = await(browser);
                browser.get(ui);
                warm[i] = await(browser);
            }
            System.out.println();
            System.out.println("## The dashboard in headless Chromium (" + loads + " loads each, loopback, a mesh of one)");
            System.out.println();
            System.out.println("| what | figure |");
            System.out.println("|---|---|");
            System.out.printf("| bytes the page loads under /ui/ (uncompressed, %d files) | %,d |%n", uiFiles, bytes);
            System.out.printf("| bytes of the API answers it fetches to fill the views (%d) | %,d |%n", files.size() - uiFiles, api);
            System.out.printf("| navigation → members table filled, cache cleared: p50 / max | %.0f ms / %.0f ms |%n",
                    Bench.percentile(cold, 50), Bench.percentile(cold, 100));
            System.out.printf("| navigation → members table filled, files revalidated (304): p50 / max | %.0f ms / %.0f ms |%n",
                    Bench.percentile(warm, 50), Bench.percentile(warm, 100));
            List<String> names = new ArrayList<>();
            files.forEach(f -> names.add(f.get("name").toString().replace(ui, "") + " " + f.get("size")));
            System.out.println();
            System.out.println("Files: " + String.join(", ", names));
        } finally {
            if (browser != null) {
                browser.quit();
            }
            node.process().destroyForcibly();
            node.process().waitFor();
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
    }

    /** @return nanoseconds from navigation start to the members table's first row, as the page measured it */
    private static long await(ChromeDriver browser) throws InterruptedException {
        for (int i = 0; i < 3000; i++) {
            Object filled = browser.executeScript("return window.__filled;");
            if (filled instanceof Number n) {
                return (long) (n.doubleValue() * 1_000_000);
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("the members table never filled");
    }
}
