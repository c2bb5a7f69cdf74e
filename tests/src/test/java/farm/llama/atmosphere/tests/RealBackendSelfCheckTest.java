package farm.llama.atmosphere.tests;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link RealBackendTest}'s continuation check run against the test servers in place of real
 * backends, so the check itself cannot rot unnoticed where no real backend is at hand: a server
 * that continues (llama.cpp's), one that cannot (LM Studio's), and Ollama with a model whose
 * template leaves the last assistant turn open and one whose template closes it.
 */
class RealBackendSelfCheckTest {
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    private void check(FakeBackend server, String name) throws Exception {
        try (server) {
            RealBackendTest t = new RealBackendTest();
            t.dir = dir.resolve(name);
            t.continues(server instanceof FakeOllama ? "ollama" : "openai", server.url(), server instanceof FakeOllama ? "" : "/v1", "");
        }
    }

    private static FakeOllama ollama(String template) throws Exception {
        FakeOllama o = new FakeOllama().serving("llama3.2:latest");
        o.templates = Map.of("llama3.2:latest", template);
        return o;
    }

    @Test
    void llamaCppContinues() throws Exception {
        check(new FakeOpenAi(), "llamacpp");
    }

    @Test
    void lmStudioCannot() throws Exception {
        FakeOpenAi lmStudio = new FakeOpenAi();
        lmStudio.ownedBy = "organization_owner";
        check(lmStudio, "lmstudio");
    }

    @Test
    void ollamaContinuesWhereTheTemplateLeavesTheTurnOpen() throws Exception {
        check(ollama(FakeOllama.OPEN_TEMPLATE), "ollama-open");
    }

    @Test
    void ollamaCannotWhereTheTemplateClosesIt() throws Exception {
        check(ollama(FakeOllama.CLOSED_TEMPLATE), "ollama-closed");
    }
}
