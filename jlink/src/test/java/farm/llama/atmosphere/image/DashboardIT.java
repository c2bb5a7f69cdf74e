package farm.llama.atmosphere.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.image.ImageNodes.NodeDir;
import farm.llama.atmosphere.tests.FakeOllama;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's Chromium, driven by Selenium through chromedriver)
 * against three image processes in a mesh: signed in by {@code atmosphere dashboard}'s code, every
 * figure shown is the one the API reports, a killed member turns suspect then dead without a
 * reload, a notification reaches the feed, the page logs no error and loads nothing from another
 * origin, and a replayed code is refused. Screenshots of each view go to {@code target/}.
 */
class DashboardIT extends DashboardBrowser {

    /** Figures that move between the page's fetch and the test's: only their presence and form are checked. */
    private static final Set<String> MOVING = Set.of("rttMs", "uptimeSeconds", "latencyMs", "tokensPerSecond", "inFlight", "overall",
            "cpuLoadPerCore", "memoryUsedPercent", "batteryPercent");
    private static final Map<String, String> ENDPOINTS = Map.of("status", "/api/v1/status", "mesh", "/api/v1/mesh",
            "members", "/api/v1/mesh/members", "backends", "/api/v1/backends", "models", "/v1/models", "policy", "/api/v1/policy",
            "usage", "/api/v1/usage", "requests", "/api/v1/requests?limit=200");

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

}
