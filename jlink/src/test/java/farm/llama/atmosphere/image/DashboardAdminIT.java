package farm.llama.atmosphere.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.image.ImageNodes.NodeDir;
import farm.llama.atmosphere.tests.FakeOllama;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's administration in a real browser: tools, agents, plugins and API keys from the
 * page (and nothing for a signed-out page or one signed in with a key of scope openai); mesh
 * administration with a QR invite that ZXing reads off the page, a join approved there, a
 * revocation, and the topology of measured links with a relay.
 */
class DashboardAdminIT extends DashboardBrowser {

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
}
