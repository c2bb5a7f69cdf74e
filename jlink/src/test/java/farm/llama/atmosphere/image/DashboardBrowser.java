package farm.llama.atmosphere.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.image.ImageNodes.NodeDir;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What the dashboard tests share: the image's nodes, Debian's Chromium driven by Selenium through
 * chromedriver (never a downloaded driver), the sign-in a user gets from {@code atmosphere dashboard},
 * waits that print the page when they time out, the browser's console errors and screenshots in
 * {@code target/}.
 */
abstract class DashboardBrowser {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Path TARGET = Path.of(System.getProperty("atmosphere.target", "target"));
    /** What every chat of the test backends answers. */
    static final String REPLY = "The sky is blue because of Rayleigh scattering.";

    ImageNodes nodes;
    WebDriver browser;
    final HttpClient http = HttpClient.newHttpClient();

    @RegisterExtension
    final TestWatcher printLogs = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (nodes != null) {
                nodes.printLogs();
            }
        }
    };

    @BeforeEach
    void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "1".equals(System.getenv("ATMOSPHERE_REQUIRE_ENV_TESTS"))) {
            throw new AssertionError("the dashboard test needs Debian's chromium and chromium-driver (.ci/run installs them)");
        }
        Assumptions.assumeTrue(present, "chromium and chromium-driver are not installed");
        nodes = new ImageNodes("atmosphere-dashboard-it");
    }

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    WebDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-dev-shm-usage", "--window-size=1400,900", "--allow-file-access-from-files");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** Signs the browser in as the CLI does: a private page that hands it a single-use code. @return that page's URL */
    String signIn(NodeDir node, URI base) throws Exception {
        String printed = node.ok("dashboard", "--no-open").out();
        Matcher page = Pattern.compile("open (file:\\S+)").matcher(printed);
        assertTrue(page.find(), printed);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(Path.of(URI.create(page.group(1))))), "the sign-in page is private");
        browser = browser();
        browser.get(page.group(1));
        waiting().until(d -> d.getCurrentUrl().equals(base + "/ui/"));
        return page.group(1);
    }

    WebDriverWait waiting() {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.withMessage(() -> "at " + browser.getCurrentUrl() + ": " + browser.findElement(By.tagName("body")).getText());
        return wait;
    }

    List<String> consoleErrors() {
        List<String> errors = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(e.getMessage());
            }
        }
        return errors;
    }

    void screenshot(String view) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), TARGET.resolve("dashboard-" + view + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
