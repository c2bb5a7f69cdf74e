package farm.llama.atmosphere.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.image.ImageNodes.NodeDir;
import farm.llama.atmosphere.tests.FakeOllama;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's Chromium, driven by Selenium through chromedriver)
 * against three image processes in a mesh: signed in by {@code atmosphere dashboard}'s code, every
 * figure shown is the one the API reports, a killed member turns suspect then dead without a
 * reload, a notification reaches the feed, the page logs no error and loads nothing from another
 * origin, and a replayed code is refused. Screenshots of each view go to {@code target/}.
 */
class DashboardIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path TARGET = Path.of(System.getProperty("atmosphere.target", "target"));
    /** Figures that move between the page's fetch and the test's: only their presence and form are checked. */
    private static final Set<String> MOVING = Set.of("rttMs", "uptimeSeconds", "latencyMs", "tokensPerSecond", "inFlight", "overall",
            "cpuLoadPerCore", "memoryUsedPercent", "batteryPercent");
    private static final Map<String, String> ENDPOINTS = Map.of("status", "/api/v1/status", "mesh", "/api/v1/mesh",
            "members", "/api/v1/mesh/members", "backends", "/api/v1/backends", "models", "/v1/models", "policy", "/api/v1/policy",
            "usage", "/api/v1/usage", "requests", "/api/v1/requests?limit=200");
    /** What every chat of the test backends answers. */
    private static final String REPLY = "The sky is blue because of Rayleigh scattering.";

    private ImageNodes nodes;
    private WebDriver browser;
    private final HttpClient http = HttpClient.newHttpClient();

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

    private WebDriver browser() {
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

    @Test
    void threeMembersLiveSignedInByACodeWithEveryFigureAsTheApiReportsIt() throws Exception {
        FakeOllama ollama = new FakeOllama();
        nodes.closing.add(ollama);
        // a long suspicion: a killed member stays suspect for at least 20 x log10(3) x 0.5 s = 4.8 s (Lifeguard starts
        // at six times that) before anyone declares it dead, so alpha suspects it first (its probes fail within ~1 s)
        String slowSuspicion = "  suspicion:\n    multiplier: 20\n";
        NodeDir a = nodes.new NodeDir("alpha", "backends:\n  - type: ollama\n    url: " + ollama.url() + "\n", "PT0.5S", slowSuspicion);
        NodeDir b = nodes.new NodeDir("bravo", "", "PT0.5S", slowSuspicion);
        NodeDir c = nodes.new NodeDir("charlie", "", "PT0.5S", slowSuspicion);
        for (NodeDir n : List.of(a, b, c)) {
            n.serve();
        }
        a.ok("mesh", "create", "-n", "home");
        String token = ImageNodes.JSON.readTree(a.ok("mesh", "invite", "--uses", "2", "--json").out()).path("token").asText();
        b.ok("mesh", "join", token);
        c.ok("mesh", "join", token);
        a.awaitMember(b.nodeId, m -> m.path("state").asText().equals("alive"), "bravo alive");
        a.awaitMember(c.nodeId, m -> m.path("state").asText().equals("alive"), "charlie alive");
        URI base = URI.create(ImageNodes.JSON.readTree(Files.readString(a.data.resolve("node.json"))).path("address").asText());

        String signIn = signIn(a, base);
        WebDriverWait wait = waiting();
        wait.until(d -> d.findElements(By.cssSelector("table.members tbody tr")).size() == 3);
        assertTrue(browser.findElement(By.cssSelector(".who")).getText().contains("signed in (admin)"));
        assertTrue(browser.findElement(By.cssSelector(".conn")).getText().contains("live"));

        wait.until(d -> shown(d, "members:members.[nodeId=" + c.nodeId + "].state").equals("alive"));
        checkFigures(base);
        screenshot("members");
        browser.findElement(By.cssSelector("table.members tbody tr[data-node='" + b.nodeId + "']")).click();
        wait.until(d -> !d.findElements(By.cssSelector(".drawer")).isEmpty());
        assertTrue(browser.findElement(By.cssSelector(".drawer")).getText().contains(b.nodeId));
        checkFigures(base);

        browser.findElement(By.id("tab-backends")).click();
        wait.until(d -> !d.findElements(By.cssSelector("table.backends tbody tr")).isEmpty());
        checkFigures(base);
        screenshot("backends");

        browser.findElement(By.id("tab-events")).click();
        a.ok("tool", "run", "notify", "-P", "message=backup finished <b>bold?</b>");
        wait.until(d -> d.findElements(By.cssSelector(".feed li[data-event-type='tool.notify']")).stream()
                .anyMatch(e -> e.getText().contains("backup finished <b>bold?</b>")));
        assertTrue(browser.findElements(By.cssSelector(".feed b")).isEmpty(), "text from outside is never HTML");
        screenshot("events");

        // a member dies: suspect, then dead, without a reload
        browser.findElement(By.id("tab-members")).click();
        c.serving.destroyForcibly();
        String row = "members:members.[nodeId=" + c.nodeId + "].state";
        new WebDriverWait(browser, Duration.ofSeconds(180)).until(d -> shown(d, row).equals("dead"));
        // the row keeps the changes its events announced, in order (no glimpse of a passing state needed)
        String seen = browser.findElement(By.cssSelector("[data-field='" + row + "']")).getAttribute("data-history");
        assertTrue(seen.matches("(.* )?suspect dead"), "the row went suspect, then dead: " + seen);
        assertTrue(browser.findElements(By.cssSelector("[data-stale]")).isEmpty(), "the stream stayed live");

        assertEquals(List.of(), consoleErrors(), "no console errors");
        Object loaded = ((JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href]);");
        for (Object url : (List<?>) loaded) {
            assertTrue(url.toString().startsWith(base.toString()), "nothing from another origin: " + url);
        }

        // the code worked once: the same page again is refused, and says what to do
        browser.get(signIn);
        wait.until(d -> d.findElement(By.id("status")).getText().contains("not valid"));
        assertTrue(browser.findElement(By.id("status")).getText().contains("atmosphere dashboard"));
    }

    /** Signs the browser in as the CLI does: a private page that hands it a single-use code. @return that page's URL */
    private String signIn(NodeDir node, URI base) throws Exception {
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

    private WebDriverWait waiting() {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.withMessage(() -> "at " + browser.getCurrentUrl() + ": " + browser.findElement(By.tagName("body")).getText());
        return wait;
    }

    @Test
    void requestsUsageTheRouteExplainerAndADeployAsTheApiReportsThem() throws Exception {
        // code goes to the coder model, whose backend fails every chat: the router fails over to llama3.2 on the other
        FakeOllama coder = new FakeOllama().serving("qwen2.5-coder:7b");
        coder.failChats(500);
        FakeOllama chats = new FakeOllama().serving("llama3.2:latest");
        nodes.closing.add(coder);
        nodes.closing.add(chats);
        NodeDir a = nodes.new NodeDir("alpha", "backends:\n  - type: ollama\n    url: " + coder.url() + "\n  - type: ollama\n    url: "
                + chats.url() + "\n");
        a.serve();
        long end = System.nanoTime() + WAIT.toNanos();
        while (ImageNodes.JSON.readTree(a.ok("backends", "--json").out()).findValues("state").stream().filter(v -> v.asText().equals("up")).count() < 2) {
            assertTrue(System.nanoTime() < end, "both backends up: " + a.ok("backends").out());
            Thread.sleep(200);
        }
        URI base = URI.create(ImageNodes.JSON.readTree(Files.readString(a.data.resolve("node.json"))).path("address").asText());
        signIn(a, base);
        WebDriverWait wait = waiting();

        // the route explainer decides as 'atmosphere route' does (before any failure changes the backends' health)
        String intent = "Fix this Python stack trace: KeyError";
        JsonNode cli = ImageNodes.JSON.readTree(a.ok("route", intent, "--json").out()).path("winner").path("capability");
        browser.findElement(By.id("tab-explain")).click();
        browser.findElement(By.id("intent")).sendKeys(intent);
        browser.findElement(By.id("explain-go")).click();
        WebElement winner = wait.until(d -> d.findElements(By.cssSelector("[data-explained] [data-candidate=winner] [data-candidate-route]")).stream()
                .findFirst().orElse(null));
        assertEquals(cli.path("nodeId").asText() + " " + cli.path("name").asText(), winner.getAttribute("data-node") + " " + winner.getAttribute("data-model"),
                "the page's winner is the CLI's");
        assertEquals("qwen2.5-coder:7b", winner.getAttribute("data-model"), "code goes to the coder model");
        assertTrue(browser.findElements(By.cssSelector("[data-explained] .term .bar")).size() > 1, "each cost term as a bar");

        // two chats with the official OpenAI client: one fails over, one streams
        JsonNode failedOver = ImageNodes.chat(base, "auto", intent, false);
        assertTrue(!failedOver.path("failover").isNull() && failedOver.path("route").asText().contains("/llama3.2"), failedOver.toString());
        JsonNode streamed = ImageNodes.chat(base, "llama3.2", "Why is the sky blue?", true);
        assertEquals(REPLY, streamed.path("text").asText());

        browser.findElement(By.id("tab-requests")).click();
        for (JsonNode chat : List.of(failedOver, streamed)) {
            String row = "tr[data-request='" + chat.path("requestId").asText() + "']";
            wait.until(d -> !d.findElements(By.cssSelector(row)).isEmpty());
            WebElement r = browser.findElement(By.cssSelector(row));
            assertEquals(chat.path("route").asText(), r.findElement(By.cssSelector("[data-route]")).getText(), "the route that served it");
            assertEquals(chat.path("usage").path("prompt_tokens").asText(), r.findElement(By.cssSelector("[data-tokens-in]")).getText(), "tokens in");
            assertEquals(chat.path("usage").path("completion_tokens").asText(), r.findElement(By.cssSelector("[data-tokens-out]")).getText(), "tokens out");
            assertEquals(chat == failedOver, !r.findElements(By.cssSelector("[data-failover]")).isEmpty(), "a failover shows as such");
            assertEquals("200", r.findElement(By.cssSelector("[data-status]")).getText());
        }
        wait.until(d -> shown(d, "usage:sinceStart.total.requests").equals("2"));
        checkFigures(base);
        assertEquals("1", shown(browser, "usage:sinceStart.total.failovers"));
        assertEquals(failedOver.path("usage").path("completion_tokens").asInt() + streamed.path("usage").path("completion_tokens").asInt(),
                Integer.parseInt(shown(browser, "usage:sinceStart.byModel.{llama3.2}.tokensOut")), "the usage per model adds the two up");
        browser.findElement(By.cssSelector("tr[data-request='" + failedOver.path("requestId").asText() + "']")).click();
        wait.until(d -> d.findElements(By.cssSelector("[data-request-details] .failover li")).size() == 1
                && !d.findElements(By.cssSelector("[data-request-details] [data-candidate=winner]")).isEmpty());
        assertTrue(browser.findElement(By.cssSelector("[data-request-details] .failover li")).getText().contains("qwen2.5-coder:7b"),
                "the route that failed, and why");
        screenshot("requests");

        // "run it" streams the answer in the page, from the route that served it
        browser.findElement(By.id("tab-explain")).click();
        browser.findElement(By.id("intent")).sendKeys("Why is the sky blue?");
        browser.findElement(By.id("explain-run")).click();
        wait.until(d -> "true".equals(d.findElement(By.cssSelector("[data-answer]")).getAttribute("data-done")));
        assertEquals(REPLY, browser.findElement(By.cssSelector("[data-answer]")).getText());
        assertTrue(browser.findElement(By.cssSelector("[data-run-route]")).getText().contains("/llama3.2"));

        // the charts draw what usage says
        browser.findElement(By.id("tab-charts")).click();
        wait.until(d -> d.findElements(By.cssSelector("[data-chart=requests] canvas")).size() == 1);
        assertTrue(Integer.parseInt(browser.findElement(By.cssSelector("[data-chart=requests]")).getAttribute("data-points")) > 0);

        // a deploy from the page, with its progress to the end
        browser.findElement(By.id("tab-models")).click();
        wait.until(d -> !d.findElements(By.cssSelector("table.models tr[data-model='llama3.2']")).isEmpty());
        browser.findElement(By.id("deploy-model")).sendKeys("phi3:mini");
        browser.findElement(By.cssSelector("[data-target='" + a.nodeId + "']")).click();
        browser.findElement(By.id("deploy-go")).click();
        wait.until(d -> d.findElements(By.cssSelector("[data-progress='phi3:mini on " + a.nodeId + "'][data-state=done]")).size() == 1);
        wait.until(d -> !d.findElements(By.cssSelector("table.models tr[data-model='phi3:mini']")).isEmpty());
        screenshot("models");
        assertEquals(List.of(), consoleErrors(), "no console errors");
    }

    private List<String> consoleErrors() {
        List<String> errors = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(e.getMessage());
            }
        }
        return errors;
    }

    /**
     * Tools, plugins and settings from the page: a tool form shows the node's field error and then a
     * result; a plugin disabled in the page is disabled for the CLI; an API key made in the page
     * works with the OpenAI client until it is revoked there. A signed-out page and a page signed in
     * with a key of scope openai can do none of it: the API refuses, and the page says why.
     */
    @Test
    void toolsPluginsAndApiKeysFromThePageAndNothingForTheSignedOutOrAnOpenAiKey() throws Exception {
        FakeOllama ollama = new FakeOllama().serving("llama3.2:latest");
        nodes.closing.add(ollama);
        // keys also on loopback, as on a shared machine: so a revoked key is refused from here too
        NodeDir a = nodes.new NodeDir("alpha", "api:\n  require-key-on-loopback: true\nbackends:\n  - type: ollama\n    url: " + ollama.url() + "\n");
        a.serve();
        URI base = URI.create(ImageNodes.JSON.readTree(Files.readString(a.data.resolve("node.json"))).path("address").asText());

        // signed out: the page loads, and every action is refused with the reason and what to do
        browser = browser();
        browser.get(base + "/ui/#settings");
        WebDriverWait wait = waiting();
        wait.until(d -> d.findElement(By.id("keys-message")).getText().startsWith("Refused"));
        assertTrue(browser.findElement(By.id("keys-message")).getText().contains("atmosphere dashboard"), browser.findElement(By.id("keys-message")).getText());
        browser.findElement(By.id("tab-plugins")).click();
        wait.until(d -> d.findElement(By.id("plugins-message")).getText().startsWith("Refused"));
        browser.findElement(By.id("tab-tools")).click();
        wait.until(d -> d.findElement(By.cssSelector("#panel-tools .error")).getText().startsWith("Refused"));
        refusedMeshCreate("Refused");

        // signed in with a key that may call only the OpenAI API: refused too, and told why
        String openAiKey = ImageNodes.JSON.readTree(a.ok("token", "create", "--name", "app", "--scope", "openai", "--json").out()).path("key").asText();
        browser.get(base + "/ui/login");
        wait.until(d -> d.findElement(By.id("key")).isDisplayed());
        browser.findElement(By.id("key")).sendKeys(openAiKey);
        browser.findElement(By.cssSelector("#key-form button")).click();
        wait.until(d -> d.getCurrentUrl().equals(base + "/ui/"));
        wait.until(d -> d.findElement(By.cssSelector(".who")).getText().contains("openai"));
        browser.findElement(By.id("tab-settings")).click();
        wait.until(d -> d.findElement(By.id("keys-message")).getText().contains("may only call the OpenAI API"));
        browser.findElement(By.id("tab-plugins")).click();
        wait.until(d -> d.findElement(By.id("plugins-message")).getText().contains("may only call the OpenAI API"));
        refusedMeshCreate("may only call the OpenAI API");
        browser.quit();
        browser = null;
        assertEquals("started", pluginState(a, "discovery-llamafarm"), "nothing changed");
        assertEquals(1, ImageNodes.JSON.readTree(a.ok("token", "list", "--json").out()).path("keys").size(), "no key was made");
        assertFalse(ImageNodes.JSON.readTree(a.ok("mesh", "status", "--json").out()).path("member").asBoolean(), "no mesh was made");

        // the admin: a tool form with a bad value shows the node's own field error, a good one the result
        signIn(a, base);
        wait = waiting();
        browser.findElement(By.id("tab-tools")).click();
        wait.until(d -> d.findElement(By.id("tool-name")).getText().contains("llm"));
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("tool-name"))).selectByVisibleText("llm");
        wait.until(d -> d.findElement(By.cssSelector("[data-param=prompt]"))).sendKeys("Why is the sky blue?");
        browser.findElement(By.cssSelector("[data-param=max_tokens]")).sendKeys("0");
        browser.findElement(By.id("tool-run")).click();
        WebElement problem = wait.until(d -> d.findElement(By.cssSelector("[data-field-error=max_tokens]")));
        HttpResponse<String> direct = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/tools/llm/run"))
                .header("Authorization", "Bearer " + Files.readString(a.data.resolve("admin.token")).strip())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"Why is the sky blue?\",\"max_tokens\":0}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, direct.statusCode(), direct.body());
        JsonNode fields = ImageNodes.JSON.readTree(direct.body()).path("error").path("fields");
        assertEquals("max_tokens", fields.path(0).path("param").asText(), direct.body());
        assertEquals(fields.path(0).path("message").asText(), problem.getText(), "the page shows the API's error beside its field");
        browser.findElement(By.cssSelector("[data-param=max_tokens]")).clear();
        browser.findElement(By.cssSelector("[data-param=max_tokens]")).sendKeys("20");
        browser.findElement(By.id("tool-run")).click();
        WebElement result = wait.until(d -> d.findElement(By.cssSelector("[data-tool-result=llm]")));
        assertTrue(result.getText().contains(REPLY), "the tool's result: " + result.getText());
        assertTrue(browser.findElements(By.cssSelector("[data-field-error]")).isEmpty(), "no error left");
        screenshot("tools");

        // an agent spawned and invoked from the page answers there
        browser.findElement(By.id("tab-agents")).click();
        wait.until(d -> !d.findElements(By.cssSelector("[data-agent-type=echo]")).isEmpty());
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("spawn-type"))).selectByVisibleText("echo");
        browser.findElement(By.id("spawn-go")).click();
        WebElement agent = wait.until(d -> d.findElement(By.cssSelector("[data-agent]")));
        agent.findElement(By.tagName("input")).sendKeys("hello from the page");
        agent.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(d -> d.findElement(By.cssSelector("[data-agent] .answer")).getText().contains("hello from the page"));
        assertTrue(a.ok("agent", "list").out().contains(agent.getAttribute("data-agent")), "the CLI lists the agent spawned in the page");

        // a plugin disabled from the page is disabled for the CLI
        browser.findElement(By.id("tab-plugins")).click();
        wait.until(d -> d.findElement(By.cssSelector("[data-disable='discovery-llamafarm']"))).click();
        wait.until(d -> d.findElement(By.cssSelector("[data-plugin-state='discovery-llamafarm']")).getText().equals("disabled"));
        assertEquals("disabled", pluginState(a, "discovery-llamafarm"), "atmosphere plugin list agrees");
        wait.until(d -> d.findElement(By.cssSelector("[data-enable='discovery-llamafarm']"))).click();
        wait.until(d -> d.findElement(By.cssSelector("[data-plugin-state='discovery-llamafarm']")).getText().equals("started"));
        screenshot("plugins");

        // an API key made in the page works with the OpenAI client, and is refused once revoked there
        browser.findElement(By.id("tab-settings")).click();
        wait.until(d -> d.findElement(By.id("key-name"))).sendKeys("phone");
        browser.findElement(By.id("key-create")).click();
        WebElement secret = wait.until(d -> d.findElement(By.id("key-secret")));
        String key = secret.getText().trim();
        String id = secret.getAttribute("data-key-id");
        assertTrue(key.startsWith("atm_" + id + "_"), key);
        assertTrue(ImageNodes.JSON.readTree(a.ok("token", "list", "--json").out()).findValuesAsText("id").contains(id), "the CLI lists it");
        Commands.Run chat = ImageNodes.chatRun(base, "llama3.2", "Why is the sky blue?", false, key);
        assertEquals(0, chat.code(), chat.all());
        assertEquals(REPLY, ImageNodes.JSON.readTree(chat.out()).path("text").asText());
        wait.until(d -> d.findElement(By.id("config")).getText().contains("require-key-on-loopback"));
        screenshot("settings");
        browser.findElement(By.cssSelector("[data-revoke='" + id + "']")).click();
        wait.until(d -> d.findElement(By.cssSelector("[data-confirm-revoke='" + id + "']"))).click();
        wait.until(d -> d.findElement(By.id("keys-message")).getText().startsWith("Revoked key " + id));
        wait.until(d -> d.findElements(By.cssSelector("[data-key='" + id + "']")).isEmpty());
        Commands.Run refused = ImageNodes.chatRun(base, "llama3.2", "Why is the sky blue?", false, key);
        assertNotEquals(0, refused.code(), "a revoked key is refused: " + refused.all());
        assertTrue(refused.all().contains("401"), refused.all());
        assertEquals(List.of(), consoleErrors().stream().filter(e -> !e.matches(".*\\b(400|401|403)\\b.*")).toList(),
                "no console errors but the answers the test asked for");
    }

    /**
     * Mesh administration and topology from the page: a mesh created there; an invite whose QR code an
     * independent decoder (ZXing) reads off the rendered page as the invite's link, with which a
     * relay-only device joins; a join by address that waits and is approved there; the topology with
     * the relay link drawn as such and the node that served the latest request highlighted; a
     * member revoked after the page spelled out what that means.
     */
    @Test
    void meshAdministrationAQrInviteAJoinApprovedInThePageAndTheTopologyWithARelayLink() throws Exception {
        FakeOllama ollama = new FakeOllama().serving("qwen2.5-coder:7b");
        nodes.closing.add(ollama);
        int relayPort = farm.llama.atmosphere.tests.MeshFixtures.freePort();
        nodes.relay(relayPort);
        NodeDir a = nodes.new NodeDir("alpha", "", "PT0.2S", ImageNodes.overRelay("websocket, relay", relayPort));
        NodeDir b = nodes.new NodeDir("bravo", "", "PT0.2S", "  mdns: false\n");
        NodeDir c = nodes.new NodeDir("charlie", "backends:\n  - type: ollama\n    url: " + ollama.url() + "\n", "PT0.2S",
                ImageNodes.overRelay("relay", relayPort)); // listens nowhere: reached only through the relay
        for (NodeDir n : List.of(a, b, c)) {
            n.serve();
        }
        URI base = URI.create(ImageNodes.JSON.readTree(Files.readString(a.data.resolve("node.json"))).path("address").asText());
        signIn(a, base);
        WebDriverWait wait = waiting();

        browser.findElement(By.id("tab-mesh")).click();
        wait.until(d -> d.findElement(By.id("mesh-name"))).sendKeys("home");
        browser.findElement(By.id("mesh-create")).click();
        wait.until(d -> d.findElement(By.id("mesh-h")).getText().startsWith("Mesh home"));
        assertEquals("founder", ImageNodes.JSON.readTree(a.ok("mesh", "status", "--json").out()).path("role").asText());

        // the invite's QR code, read off the page by ZXing, is the invite's link; the relay-only device joins with it
        wait.until(d -> d.findElement(By.id("invite-go"))).click();
        WebElement qr = wait.until(d -> d.findElement(By.cssSelector("svg.qr")));
        String shownLink = browser.findElement(By.id("invite-link")).getText().trim();
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView()", qr);
        byte[] qrImage = qr.getScreenshotAs(OutputType.BYTES);
        Files.write(TARGET.resolve("dashboard-invite-qr.png"), qrImage);
        String decoded = decodeQr(qrImage);
        assertEquals(shownLink, decoded, "the QR code holds the invite's link");
        String cliLink = ImageNodes.JSON.readTree(a.ok("mesh", "invite", "--json").out()).path("link").asText();
        assertEquals(cliLink.substring(0, cliLink.indexOf("/join/") + 6), decoded.substring(0, decoded.indexOf("/join/") + 6),
                "a link of the same form as 'mesh invite' prints");
        c.ok("mesh", "join", decoded);
        a.awaitMember(c.nodeId, m -> m.path("state").asText().equals("alive") && m.path("transport").asText().equals("relay"), "charlie, through the relay");

        // a join by address waits for the owner, who approves it in the page
        Process join = b.command(List.of("mesh", "join", "127.0.0.1:" + a.meshPort)).redirectErrorStream(true).start();
        nodes.closing.add(join::destroyForcibly);
        ProcessOutput joinOut = new ProcessOutput(join.getInputStream());
        wait.until(d -> !d.findElements(By.cssSelector("[data-pending='" + b.nodeId + "']")).isEmpty());
        browser.findElement(By.cssSelector("[data-approve='" + b.nodeId + "']")).click();
        assertTrue(join.waitFor(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "the join ends once approved: " + joinOut.text());
        assertEquals(0, join.exitValue(), joinOut.text());
        a.awaitMember(b.nodeId, m -> m.path("state").asText().equals("alive"), "bravo alive after the approval");
        wait.until(d -> d.findElement(By.id("mesh-message")).getText().startsWith("Approved bravo"));

        // the latest request is served by charlie (the only one with the coder model)
        JsonNode served = ImageNodes.chat(base, "qwen2.5-coder:7b", "Write a haiku about relays", false);
        assertTrue(served.path("route").asText().startsWith(c.nodeId), served.toString());

        // the topology: alpha-charlie through the relay as such, alpha-bravo direct; bravo-charlie measured by nobody, so not drawn
        browser.findElement(By.id("tab-topology")).click();
        String ac = a.nodeId.compareTo(c.nodeId) < 0 ? a.nodeId + " " + c.nodeId : c.nodeId + " " + a.nodeId;
        String ab = a.nodeId.compareTo(b.nodeId) < 0 ? a.nodeId + " " + b.nodeId : b.nodeId + " " + a.nodeId;
        String bc = b.nodeId.compareTo(c.nodeId) < 0 ? b.nodeId + " " + c.nodeId : c.nodeId + " " + b.nodeId;
        WebElement relayLink = wait.until(d -> d.findElement(By.cssSelector("g[data-link='" + ac + "']")));
        assertEquals("relay", relayLink.getAttribute("data-transport"));
        assertTrue(relayLink.getText().startsWith("relay "), relayLink.getText());
        assertEquals("websocket", wait.until(d -> d.findElement(By.cssSelector("g[data-link='" + ab + "']"))).getAttribute("data-transport"));
        wait.until(d -> "true".equals(d.findElement(By.cssSelector("[data-topology-node='" + c.nodeId + "']")).getAttribute("data-served")));
        // what bravo publishes reaches alpha: its own link to alpha (direct), never one to charlie
        a.awaitMember(b.nodeId, m -> m.path("links").findValuesAsText("nodeId").contains(a.nodeId), "bravo's published links");
        assertTrue(browser.findElements(By.cssSelector("g[data-link='" + bc + "']")).isEmpty(), "no link nobody measured");
        screenshot("topology");

        // revoking spells out what it means first
        browser.findElement(By.id("tab-mesh")).click();
        wait.until(d -> d.findElement(By.cssSelector("[data-revoke-member='" + b.nodeId + "']"))).click();
        assertTrue(wait.until(d -> d.findElement(By.cssSelector(".confirm"))).getText().contains("cannot rejoin with an old invite"));
        browser.findElement(By.id("revoke-confirm")).click();
        wait.until(d -> d.findElement(By.id("mesh-message")).getText().startsWith("Revoked bravo"));
        JsonNode revoked = ImageNodes.JSON.readTree(a.ok("mesh", "status", "--json").out()).path("revoked");
        assertTrue(revoked.toString().contains(b.nodeId), "the CLI lists the revocation: " + revoked);
        screenshot("mesh");
    }

    /** @return the text of the QR code in a PNG, read by ZXing */
    private static String decodeQr(byte[] png) throws Exception {
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
        int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        com.google.zxing.LuminanceSource source = new com.google.zxing.RGBLuminanceSource(image.getWidth(), image.getHeight(), pixels);
        com.google.zxing.BinaryBitmap bitmap = new com.google.zxing.BinaryBitmap(new com.google.zxing.common.HybridBinarizer(source));
        return new com.google.zxing.qrcode.QRCodeReader().decode(bitmap,
                Map.of(com.google.zxing.DecodeHintType.PURE_BARCODE, Boolean.FALSE, com.google.zxing.DecodeHintType.TRY_HARDER, Boolean.TRUE)).getText();
    }

    /** The mesh view's create form, refused: the page shows the node's reason. */
    private void refusedMeshCreate(String why) {
        browser.findElement(By.id("tab-mesh")).click();
        waiting().until(d -> d.findElement(By.id("mesh-name"))).sendKeys("nope");
        browser.findElement(By.id("mesh-create")).click();
        waiting().until(d -> d.findElement(By.id("mesh-message")).getText().contains(why));
    }

    private static String pluginState(NodeDir node, String id) throws Exception {
        for (JsonNode p : ImageNodes.JSON.readTree(node.ok("plugin", "list", "--json").out()).path("plugins")) {
            if (p.path("id").asText().equals(id)) {
                return p.path("state").asText();
            }
        }
        throw new AssertionError("no plugin " + id);
    }

    /** @return the text of the element that shows a figure, or "" while there is none */
    private static String shown(WebDriver d, String field) {
        List<WebElement> found = d.findElements(By.cssSelector("[data-field='" + field + "']"));
        if (found.isEmpty()) {
            return "";
        }
        WebElement e = found.get(0);
        String state = e.getAttribute("data-state");
        return state != null ? state : e.getText().trim();
    }

    /** Every figure on the page equals the field of the API answer it names (moving ones: present and well-formed). */
    private void checkFigures(URI base) throws Exception {
        Map<String, JsonNode> answers = new HashMap<>();
        List<WebElement> figures = browser.findElements(By.cssSelector("[data-field]"));
        assertTrue(figures.size() > 10, "the page shows figures: " + figures.size());
        for (WebElement f : figures) {
            String at = f.getAttribute("data-field");
            String resource = at.substring(0, at.indexOf(':'));
            JsonNode answer = answers.computeIfAbsent(resource, r -> fetch(base, ENDPOINTS.get(r)));
            JsonNode value = resolve(answer, at.substring(at.indexOf(':') + 1));
            String text = f.getText().trim();
            String name = at.substring(at.lastIndexOf('.') + 1);
            if (MOVING.contains(name)) {
                assertTrue(text.matches("-?\\d+(\\.\\d+)?([eE]-?\\d+)?"), at + " shows a number: " + text);
                continue;
            }
            String expected = value.isNumber() ? trimZero(value.asText()) : value.asText();
            String actual = f.getAttribute("data-state") != null ? f.getAttribute("data-state") : text;
            assertEquals(expected, actual, at + " on the page equals the API's");
        }
        for (WebElement count : browser.findElements(By.cssSelector("[data-count]"))) {
            String at = count.getAttribute("data-count");
            String resource = at.substring(0, at.indexOf(':'));
            JsonNode answer = answers.computeIfAbsent(resource, r -> fetch(base, ENDPOINTS.get(r)));
            Matcher m = Pattern.compile("(\\w+)(?:\\[(\\w+)=(\\w+)])?").matcher(at.substring(at.indexOf(':') + 1));
            assertTrue(m.matches(), at);
            int n = 0;
            for (JsonNode item : answer.path(m.group(1))) {
                n += m.group(2) == null || item.path(m.group(2)).asText().equals(m.group(3)) ? 1 : 0;
            }
            assertEquals(String.valueOf(n), count.getText().trim(), at + " counts the API's list");
        }
    }

    /** JavaScript writes 2.0 as "2": so does this. */
    private static String trimZero(String number) {
        return number.matches("-?\\d+\\.0") ? number.substring(0, number.length() - 2) : number;
    }

    /** @return the value at a path such as {@code members.[nodeId=ab12].rttMs} */
    private static JsonNode resolve(JsonNode root, String path) {
        JsonNode at = root;
        for (String seg : path.split("\\.(?![^\\[]*])(?![^{]*})")) {
            if (seg.startsWith("{")) {
                at = at.path(seg.substring(1, seg.length() - 1)); // a name with dots in it
            } else if (seg.startsWith("[")) {
                String[] kv = seg.substring(1, seg.length() - 1).split("=", 2);
                JsonNode found = null;
                for (JsonNode item : at) {
                    if (item.path(kv[0]).asText().equals(kv[1])) {
                        found = item;
                    }
                }
                assertTrue(found != null, "no element " + seg + " in " + at);
                at = found;
            } else {
                at = at.path(seg);
            }
        }
        return at;
    }

    private JsonNode fetch(URI base, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path + ": " + r.body());
            return ImageNodes.JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError(path + ": " + e, e);
        }
    }

    private void screenshot(String view) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), TARGET.resolve("dashboard-" + view + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
